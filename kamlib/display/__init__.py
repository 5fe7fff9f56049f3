"""Display: what a reader sees of the analysis — charts, tables, text and the editors.

Imports the method and the parameters below it, never execution or publishing.
"""
