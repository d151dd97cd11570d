"""Domain services shared by the Graph API, the Login dialog and the control API."""
