"""Test scaffolding shared across test folders: fake outside services and browser helpers."""
