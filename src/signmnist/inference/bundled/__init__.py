"""The model in the box: the photo model's ONNX export (`photo.onnx`), made by `make model` and shipped inside
the package, so that classify, serve and spell work after `pip install` with no training."""
