"""Test support shared by every test package: private servers and their fixtures' logic."""
