"""Shared Streamlit UI for TRM Studio's pages: the Sudoku grid component and the Solve page's puzzle state.

Like the pages, this package calls only trm's public API and holds no tensor maths.
"""
