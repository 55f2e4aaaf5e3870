"""The legal catalogue (statutes, articles, enforcement items, discretion standards) and the rules of citing it.

Below findings and live, which cite it; the library (app/library: cases, search, teaching, import)
sits above them and reads their findings and notes."""
