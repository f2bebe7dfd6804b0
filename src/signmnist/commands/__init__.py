"""The signmnist console script and its tool commands (classify, eval-photos, spell, adapt, report, bench),

with the pictures and synthetic inputs they make. The top layer: it may import every other subpackage.
"""
