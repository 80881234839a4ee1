// TillIO: built in its own issue.
