"""Exchange: reading CRM and spreadsheet exports into the parameter files (`kam import`)."""
