"""The detail pane of the selected backup set and its history strip."""
