"""Episodes (执播 一期): scheduling and lifecycle."""
