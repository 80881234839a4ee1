// TillStore: built in its own issue.
