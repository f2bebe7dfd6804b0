"""The signmnist console script (`console.py`) and one thin module per tool command, each calling the stage
that does the work. The top layer: it may import every other subpackage.
"""
