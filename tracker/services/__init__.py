"""Business rules: validate, change, log, commit once; views stay thin."""
