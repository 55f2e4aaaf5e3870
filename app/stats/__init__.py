"""Program statistics, open data, the coordinator dashboard and the monthly bulletin."""
