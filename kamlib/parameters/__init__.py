"""Parameter files: where the user's input is read, checked and written back.

The lowest layer: it imports nothing else of kamlib but `errors`. `model` is the typed account
and portfolio (pydantic), `yaml_source` reads YAML with line numbers, `rules` holds the checks
across fields, `loader` turns files into validated models (one message per problem, with file,
line and field), `yaml_editing` writes changes back keeping comments, `scaffold` writes a new
account from the commented template, `schema` generates the files' JSON Schema, `atomic` writes
a file in one step (for every layer), and `workbook` is what a notebook opens.
"""
