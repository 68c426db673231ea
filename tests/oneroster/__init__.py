"""Tests of the OneRoster CSV package reader."""
