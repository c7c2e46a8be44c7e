"""PC/SC smart cards (pyscard): bank (EMV/PBOC), social security (SSSE), staff cards; virtual cards for pcscd's vpcd."""
