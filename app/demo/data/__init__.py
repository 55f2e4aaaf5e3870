"""Static data of the demo program, in Simplified Chinese."""
