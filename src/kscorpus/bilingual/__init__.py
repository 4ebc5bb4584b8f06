"""Chinese and English side by side: translation pairs, paragraph alignment, the glossary."""
