// TillClient: built in its own issue.
