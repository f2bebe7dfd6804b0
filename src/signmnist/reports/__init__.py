"""Evaluation reports: a checkpoint on the official test set (`official`), a model on folders of labelled
photos (`photos`), and the pictures both draw (`plots`)."""
