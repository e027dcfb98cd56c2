"""Shared Streamlit UI for TRM Studio's pages: the Sudoku grid component, the Solve page's puzzle state, its model
picker (``model_picker``), the streaming solve and trace store (``trace_store``), the step player
(``step_player``) and its plotly figures (``trace_charts``).

Like the pages, this package calls only trm's public API and holds no tensor maths.
"""
