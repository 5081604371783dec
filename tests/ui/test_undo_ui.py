from PySide6.QtCore import Qt


def test_undo_redo_actions_and_history_panel(make_main_window, demo_like_project):
    window = make_main_window(demo_like_project)
    roads = demo_like_project.layers_with_role("roads")[0]
    assert not window.undo_action.isEnabled()
    demo_like_project.set_visible(roads.id, False)
    demo_like_project.set_opacity(roads.id, 0.5)
    assert window.isWindowModified()
    assert window.undo_action.text() == f"&Undo Change opacity of “{roads.name}”"
    history = window.history_panel.list
    assert [history.item(i).text() for i in range(history.count())][1:] == [
        f"Hide “{roads.name}”",
        f"Change opacity of “{roads.name}”",
    ]
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert roads.visible
    assert roads.opacity == 1.0
    assert not window.isWindowModified()
    item = window.layer_panel._top_item(roads.id)
    assert item.checkState(0) == Qt.CheckState.Checked
    window.redo_action.trigger()
    assert not roads.visible
    # clicking the first history row goes back to the saved state
    history.itemClicked.emit(history.item(0))
    assert roads.visible
    assert window.redo_action.isEnabled()


def test_undo_shortcuts_are_standard(make_main_window, demo_like_project):
    window = make_main_window(demo_like_project)
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    assert window.redo_action.shortcut().toString() == "Ctrl+Shift+Z"
