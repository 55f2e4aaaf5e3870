"""The enforcement legal library (执法宝典): statutes, articles, enforcement items, discretion standards, cases."""
