"""Tests of the IMS Enterprise / PIFU-IMS reader."""
