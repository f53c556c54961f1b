"""frontdesk: appointments and disclosure governance for public-benefit field offices."""
