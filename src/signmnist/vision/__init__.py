"""Pictures in, hands out: decoding image and video files, MediaPipe's hand search, landmarks as features.

Above core; knows nothing of datasets, models or serving.
"""
