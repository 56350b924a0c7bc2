"""Reading a French lab report's text (documents.text.DocumentText) into proposed observations."""
