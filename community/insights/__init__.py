"""Figures for moderators and admins (KPIs per board) and the askers' satisfaction ratings."""
