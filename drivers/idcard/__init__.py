"""Second-generation resident ID card readers (GA 467 SAM serial protocol)."""
