"""Pure Python + numpy/pandas: numbers in, numbers out. Nothing here imports qgis."""
