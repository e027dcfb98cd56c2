"""Export writes only inside --dest, under a plain folder name, and replaces only its own checkpoints."""

import pytest


@pytest.mark.parametrize("name", [".", "..", "../outside", "/tmp/absolute", "a/b", "x" * 65])
def test_export_refuses_a_name_that_is_not_a_plain_folder_name_and_touches_nothing(tmp_path, name, capsys):
    from trm.export.__main__ import main as export_main
    dest = tmp_path / "checkpoints"
    (dest / "shipped").mkdir(parents=True)
    (dest / "shipped" / "config.json").write_text("{}")
    assert export_main(["--run", str(tmp_path / "run"), f"--name={name}", "--dest", str(dest)]) == 2
    assert "is not allowed" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["checkpoints", "config.json", "shipped"]


def test_export_replaces_an_existing_checkpoint_only_with_force_and_never_a_foreign_folder(tmp_path, capsys):
    from trm.checkpoint import save_model
    from trm.export.__main__ import main as export_main
    from trm.model.build import build_model
    from trm.model.config import ModelConfig
    dest = tmp_path / "checkpoints"
    save_model(dest / "mine", build_model(ModelConfig(grid_size=4, hidden_size=16, prefix_len=0)), {"keep": 1})
    (dest / "foreign").mkdir()
    (dest / "foreign" / "notes.txt").write_text("not a checkpoint")
    run = tmp_path / "no-run"
    assert export_main(["--run", str(run), "--name", "mine", "--dest", str(dest)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert export_main(["--run", str(run), "--name", "foreign", "--dest", str(dest), "--force"]) == 2
    assert "never replaced" in capsys.readouterr().err
    assert (dest / "foreign" / "notes.txt").read_text() == "not a checkpoint"
    assert export_main(["--run", str(run), "--name", "mine", "--dest", str(dest), "--force"]) == 2  # no such run
    assert "already exists" not in capsys.readouterr().err and (dest / "mine" / "config.json").exists()
