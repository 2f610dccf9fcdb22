//! How a project file names an imported drive-cycle file in `simulation.cycle`.
//!
//! A cycle that lies under the project's folder is stored relative to it (`cycles/town.csv`), so the
//! folder can be moved, shared or checked in and still run; any other cycle keeps its absolute path.
//! Reading goes the other way in `sim::vehicle::setup::load_cycle`, which resolves a relative path
//! against the project's folder first. A spec counts as a path when it holds `/` or `\` or ends in
//! `.csv` (the rule `load_cycle` applies), so a bare file name is written `./name`. A copy of the
//! project kept elsewhere (the studio's recovery file) names the cycle absolutely
//! ([`absolute_cycle_spec`]).
//!
//! Invariants: paths are compared lexically (`.` and `..` folded, no symbolic links followed, no
//! file touched), so the functions work for files that do not exist yet; stored relative paths use
//! `/` on every platform. Must not depend on the GUI toolkit or the command line.

use std::path::{Component, Path, PathBuf};

/// Whether a `simulation.cycle` spec names a file rather than a standard cycle.
fn is_path_spec(spec: &str) -> bool {
    spec.contains('/') || spec.contains('\\') || spec.ends_with(".csv")
}

/// `p` made absolute against the working directory, with `.` and `..` folded away.
fn lexical_absolute(p: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(p).ok()?;
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// The `simulation.cycle` spec for the cycle file `cycle_file` in a project saved at
/// `project_file`: relative to the project's folder when the cycle lies under it, else absolute.
/// Without a project file (never saved) the path is absolute.
pub fn cycle_spec(cycle_file: &Path, project_file: Option<&Path>) -> String {
    let Some(cycle) = lexical_absolute(cycle_file) else {
        return cycle_file.display().to_string();
    };
    let dir = project_file
        .and_then(lexical_absolute)
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let relative = dir.as_deref().and_then(|d| cycle.strip_prefix(d).ok());
    let parts: Option<Vec<&str>> = relative.map(|r| {
        r.components()
            .filter_map(|c| match c {
                Component::Normal(s) => s.to_str(),
                _ => None,
            })
            .collect()
    });
    match (relative, parts) {
        // Every component plain UTF-8 text: written portably with `/`.
        (Some(r), Some(parts)) if !parts.is_empty() && parts.len() == r.components().count() => {
            let joined = parts.join("/");
            if is_path_spec(&joined) {
                joined
            } else {
                format!("./{joined}")
            }
        }
        _ => cycle.display().to_string(),
    }
}

/// `spec` (the cycle of a project saved at `from_file`, None when never saved) as the same project
/// saved at `to_file` must name it: a relative path is re-expressed for the new folder (relative
/// again when the cycle lies under it, absolute otherwise); cycle names and absolute paths are
/// returned unchanged.
pub fn rebase_cycle_spec(spec: &str, from_file: Option<&Path>, to_file: &Path) -> String {
    resolved(spec, from_file).map_or_else(|| spec.to_owned(), |p| cycle_spec(&p, Some(to_file)))
}

/// A relative path `spec` joined to the folder of `project_file` (the working directory when
/// None); None for cycle names and absolute paths, which never move.
fn resolved(spec: &str, project_file: Option<&Path>) -> Option<PathBuf> {
    let path = Path::new(spec);
    if !is_path_spec(spec) || path.is_absolute() {
        return None;
    }
    let dir = project_file
        .and_then(Path::parent)
        .map_or_else(PathBuf::new, Path::to_path_buf);
    Some(dir.join(path))
}

/// `spec` (the cycle of a project saved at `project_file`, None when never saved) as an absolute
/// path, for a copy of the project kept somewhere else (the studio's recovery file): a relative
/// path is resolved against the project's folder; cycle names and absolute paths are returned
/// unchanged.
pub fn absolute_cycle_spec(spec: &str, project_file: Option<&Path>) -> String {
    resolved(spec, project_file).map_or_else(|| spec.to_owned(), |p| cycle_spec(&p, None))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_cycle_is_made_absolute_against_its_project_folder() {
        let car = Path::new("/work/designs/car.ron");
        assert_eq!(
            absolute_cycle_spec("cycles/town.csv", Some(car)),
            "/work/designs/cycles/town.csv"
        );
        assert_eq!(
            absolute_cycle_spec("../shared/town.csv", Some(car)),
            "/work/shared/town.csv"
        );
        // Names and absolute paths stay as they are.
        assert_eq!(absolute_cycle_spec("wltc_3b", Some(car)), "wltc_3b");
        assert_eq!(
            absolute_cycle_spec("/data/town.csv", Some(car)),
            "/data/town.csv"
        );
        // Made absolute and stored again for the same project, it is the original spec.
        let abs = absolute_cycle_spec("cycles/town.csv", Some(car));
        assert_eq!(cycle_spec(Path::new(&abs), Some(car)), "cycles/town.csv");
    }

    #[test]
    fn a_cycle_under_the_project_folder_is_stored_relative() {
        let spec = cycle_spec(
            Path::new("/work/designs/cycles/town.csv"),
            Some(Path::new("/work/designs/car.ron")),
        );
        assert_eq!(spec, "cycles/town.csv");
        // Resolving it against the project's folder gives the file back.
        assert_eq!(
            Path::new("/work/designs").join(&spec),
            Path::new("/work/designs/cycles/town.csv")
        );
    }

    #[test]
    fn a_bare_name_in_the_project_folder_stays_a_path() {
        // "town.txt" alone would be read as a standard cycle's name.
        let spec = cycle_spec(
            Path::new("/work/designs/town.txt"),
            Some(Path::new("/work/designs/car.ron")),
        );
        assert_eq!(spec, "./town.txt");
        assert_eq!(
            cycle_spec(
                Path::new("/work/designs/town.csv"),
                Some(Path::new("/work/designs/car.ron"))
            ),
            "town.csv"
        );
    }

    #[test]
    fn a_cycle_elsewhere_or_without_a_project_file_stays_absolute() {
        let outside = cycle_spec(
            Path::new("/data/cycles/town.csv"),
            Some(Path::new("/work/designs/car.ron")),
        );
        assert_eq!(outside, "/data/cycles/town.csv");
        // A sibling folder whose name starts like the project's is not under it.
        assert_eq!(
            cycle_spec(
                Path::new("/work/designs2/town.csv"),
                Some(Path::new("/work/designs/car.ron"))
            ),
            "/work/designs2/town.csv"
        );
        // `..` is folded before comparing: this one leaves the folder.
        assert_eq!(
            cycle_spec(
                Path::new("/work/designs/../town.csv"),
                Some(Path::new("/work/designs/car.ron"))
            ),
            "/work/town.csv"
        );
        assert_eq!(
            cycle_spec(Path::new("/data/town.csv"), None),
            "/data/town.csv"
        );
    }

    #[test]
    fn relative_project_paths_are_taken_against_the_working_directory() {
        let cwd = std::env::current_dir().unwrap();
        let spec = cycle_spec(
            &cwd.join("tests/data/cycles/x.csv"),
            Some(Path::new("tests/data/p.ron")),
        );
        assert_eq!(spec, "cycles/x.csv");
    }

    #[test]
    fn a_stored_relative_cycle_is_read_from_the_project_folder() {
        // A real file in a folder that is not the working directory: only resolving against the
        // project's folder can find it.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("cycles")).unwrap();
        let csv = dir.path().join("cycles/ramp.csv");
        std::fs::write(&csv, "time_s,speed_kmh\n0,0\n1,36\n2,36\n").unwrap();
        let project = dir.path().join("car.ron");
        let spec = cycle_spec(&csv, Some(&project));
        assert_eq!(spec, "cycles/ramp.csv");
        let cycle = crate::sim::vehicle::setup::load_cycle(&spec, Some(dir.path())).unwrap();
        // 0 → 10 m/s in 1 s then 1 s at 10 m/s: trapezoid distance 5 m + 10 m = 15 m.
        let d_m = cycle.distance_m();
        assert!((d_m - 15.0).abs() < 1e-9, "{d_m}");
        // An absolute spec keeps working from anywhere.
        let abs = cycle_spec(&csv, None);
        assert!(Path::new(&abs).is_absolute());
        assert!(crate::sim::vehicle::setup::load_cycle(&abs, None).is_ok());
    }

    #[test]
    fn save_as_elsewhere_rebases_relative_cycles_only() {
        let from = Some(Path::new("/work/designs/car.ron"));
        // A sibling folder: the cycle is outside it → absolute.
        assert_eq!(
            rebase_cycle_spec("cycles/town.csv", from, Path::new("/work/other/car.ron")),
            "/work/designs/cycles/town.csv"
        );
        // Saved one level up: still under the new folder → relative again.
        assert_eq!(
            rebase_cycle_spec("cycles/town.csv", from, Path::new("/work/car.ron")),
            "designs/cycles/town.csv"
        );
        assert_eq!(
            rebase_cycle_spec("wltc_3b", from, Path::new("/x/car.ron")),
            "wltc_3b"
        );
        assert_eq!(
            rebase_cycle_spec("/data/town.csv", from, Path::new("/x/car.ron")),
            "/data/town.csv"
        );
    }
}
