"""The collaboration network: graph building, analysis and the map."""
