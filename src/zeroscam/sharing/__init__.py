"""zeroscam.sharing."""
