"""Following topics: saved searches (watches) and what is new for each since it was last read.

- `watches.py`: the `[watches]` table of `<archive>/.newsctl/config.toml` (read with
  tomllib, edited with tomlkit so a person's comments survive);
- `marks.py`: how far each watch has been read (`<state>/read-marks.json`);
- `news.py`: a watch's posts indexed after its mark, by the index's own sequence
  (engine/sequence.py), and the counts `watch list` shows.
"""
