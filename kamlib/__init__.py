"""kamlib: the key account planning workbook's library.

Parameters in (`kamlib.params`), pure analysis per step of the method, charts, and the
runner/versions machinery that publishes plan documents.
"""

__version__ = "0.1.0"
