//! The studio application: window layout, the action queue, files (open, save, recent, drag and
//! drop, autosave and recovery), the unsaved-changes prompt, keyboard shortcuts and the background
//! run.
//!
//! Frame order: panels draw from an immutable view of the document and push [`Action`]s; after the
//! frame, [`StudioApp::run_actions`] applies them in order. Nothing else changes the document, so
//! undo, autosave, the stale marker on results and the tests all see every change.
//!
//! File dialogs go through [`FileDialogs`], so tests inject paths instead of opening a native dialog;
//! every dialog action ends in a path-taking action ([`Action::ExportTo`], [`Action::ImportCycleFrom`],
//! [`Action::OpenPath`]) that tests can also push directly.
//!
//! Long work never runs on the UI thread: the live range, the Run button, the compare runs, the spec
//! sheet export and the cell-conversion preview all run on workers (`crate::jobs`) and wake the UI.
//!
//! `PACKWRIGHT_FRAME_LOG=path` (opt-in) appends one line per frame (`frame <interval_ms> <ui_ms>
//! <run>`: time since the previous frame started, time in this UI code, 1 while a Run-button run is
//! going) and one per applied edit (`edit figures_ms <t> range_ms <t>`: from the edit to its roll-up
//! on screen, and to its lumped range on screen) to `path`, and keeps the window repainting. A frame
//! counts as on screen when the next frame starts, i.e. after it was tessellated, painted and
//! presented, so both edit times include the paint of the frame that shows them. After the run
//! flag, a frame line describes the previous frame, whose paint the interval covers: its view,
//! eframe's CPU time for it in ms (UI, tessellation and GL calls, not the buffer swap), and what it
//! sent to the renderer (`gui::paint_stats`: shapes, texts, circles, meshes, then vertices,
//! indices, clipped primitives, tessellation ms and millions of pixels covered, which are 0 unless
//! `PACKWRIGHT_FRAME_STATS=1`).
//! The window draws with eframe's glow (OpenGL) renderer; `PACKWRIGHT_RENDERER=wgpu` picks wgpu.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::{Key, KeyboardShortcut, Modifiers};

use crate::gui::document::{Document, Edit};
use crate::gui::figures::{self, Figures};
use crate::gui::panels;
use crate::gui::settings::UiSettings;
use crate::gui::theme::{Theme, ThemeKind};
use crate::model::project::Project;
use crate::model::validate::Severity;
use crate::preset::library::BUNDLED_PRESETS;

/// Seconds between autosaves of a changed document.
pub const AUTOSAVE_INTERVAL_S: f64 = 10.0;

/// The central views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Start page with the bundled presets.
    Welcome,
    /// Cell library.
    Cells,
    /// Module editor.
    Module,
    /// Pack graph and layout.
    Pack,
    /// Vehicle and simulation settings, run control.
    Simulation,
    /// Results of the last run.
    Results,
    /// Designs side by side.
    Compare,
}

impl View {
    /// Tabs in order.
    pub const TABS: [Self; 6] = [
        Self::Cells,
        Self::Module,
        Self::Pack,
        Self::Simulation,
        Self::Results,
        Self::Compare,
    ];

    /// Tab title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Welcome => "Start",
            Self::Cells => "Cells",
            Self::Module => "Module",
            Self::Pack => "Pack",
            Self::Simulation => "Vehicle & run",
            Self::Results => "Results",
            Self::Compare => "Compare",
        }
    }
}

/// What the user asked for; applied after the frame.
#[derive(Debug, Clone)]
pub enum Action {
    /// Change the project.
    Edit {
        /// The change.
        edit: Edit,
        /// Gesture key for merging into one undo step.
        merge: Option<String>,
    },
    /// End the current gesture.
    CloseGroup,
    /// Undo.
    Undo,
    /// Redo.
    Redo,
    /// New project (via the start page).
    New,
    /// Start from a blank project.
    NewBlank,
    /// Open through the file dialog.
    Open,
    /// Open a given file.
    OpenPath(PathBuf),
    /// Open a bundled preset by index.
    OpenPreset(usize),
    /// Save (Save As when never saved).
    Save,
    /// Save under a new name.
    SaveAs,
    /// Export the figures (and results if any) as CSV.
    Export,
    /// Export the spec sheet through the save dialog (the extension picks the format).
    ExportSheet,
    /// Export the spec sheet to this file (.pdf, .md, .html, .csv or .json), on a worker.
    ExportTo(PathBuf),
    /// Export the compared designs side by side (PDF, Markdown or JSON) through the file dialog.
    ExportComparison,
    /// Import a CSV drive cycle through the file dialog.
    ImportCycle,
    /// Use this CSV file as the drive cycle (checked first; a bad file leaves the cycle as it was).
    ImportCycleFrom(PathBuf),
    /// Open the "Convert cell" window.
    ConvertOpen,
    /// Replace the design by the converted one (one undoable edit).
    ConvertApply,
    /// Close the "Convert cell" window.
    ConvertClose,
    /// Open the "Sweep designs" window.
    SweepOpen,
    /// Start the sweep as set in that window (on the open design as it is now).
    SweepRun,
    /// Stop the running sweep.
    SweepCancel,
    /// Build the cell and arrangement of this point of the last sweep (its `index`) in the open
    /// design (one undoable edit).
    SweepApply(usize),
    /// Close the "Sweep designs" window (a running sweep is cancelled).
    SweepClose,
    /// Start a run.
    Run,
    /// Cancel the run.
    Cancel,
    /// Show a view.
    SetView(View),
    /// Switch light/dark.
    ToggleTheme,
    /// Load the recovery file.
    Recover,
    /// Throw the recovery file away.
    DiscardRecovery,
    /// Add the open design to the compare set.
    CompareAddCurrent,
    /// Add a bundled preset to the compare set.
    CompareAddPreset(usize),
    /// Add a file (through the dialog) to the compare set.
    CompareAddFile,
    /// Remove a design from the compare set.
    CompareRemove(usize),
    /// Run every compared design at this ambient temperature (K), or each at its own (None).
    CompareAmbient(Option<f64>),
    /// Close the error banner.
    DismissBanner,
    /// Quit the application.
    Quit,
}

/// Native file dialogs, or a script of answers in tests.
pub trait FileDialogs {
    /// Asks for a project to open; None when cancelled.
    fn open_project(&mut self) -> Option<PathBuf>;
    /// Asks where to save; None when cancelled.
    fn save_project(&mut self, suggested_name: &str) -> Option<PathBuf>;
    /// Asks where to export; None when cancelled.
    fn export_csv(&mut self, suggested_name: &str) -> Option<PathBuf>;
    /// Asks where to write the spec sheet; None when cancelled.
    fn export_sheet(&mut self, suggested_name: &str) -> Option<PathBuf>;
    /// Asks where to write the comparison; None when cancelled.
    fn export_comparison(&mut self, suggested_name: &str) -> Option<PathBuf>;
    /// Asks for a CSV drive cycle; None when cancelled.
    fn import_cycle(&mut self) -> Option<PathBuf>;
}

/// rfd dialogs (xdg portal, or zenity when no portal runs).
#[derive(Debug, Default)]
pub struct NativeDialogs;

impl FileDialogs for NativeDialogs {
    fn open_project(&mut self) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Open project")
            .add_filter("Packwright project", &["ron"])
            .pick_file()
    }
    fn save_project(&mut self, suggested_name: &str) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Save project")
            .add_filter("Packwright project", &["ron"])
            .set_file_name(suggested_name)
            .save_file()
    }
    fn export_csv(&mut self, suggested_name: &str) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Export")
            .add_filter("CSV", &["csv"])
            .set_file_name(suggested_name)
            .save_file()
    }
    fn export_sheet(&mut self, suggested_name: &str) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Export spec sheet")
            .add_filter("PDF", &["pdf"])
            .add_filter("Markdown", &["md"])
            .add_filter("HTML", &["html"])
            .add_filter("CSV (key figures)", &["csv"])
            .add_filter("JSON", &["json"])
            .set_file_name(suggested_name)
            .save_file()
    }
    fn export_comparison(&mut self, suggested_name: &str) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Export comparison")
            .add_filter("PDF", &["pdf"])
            .add_filter("Markdown", &["md"])
            .add_filter("JSON", &["json"])
            .set_file_name(suggested_name)
            .save_file()
    }
    fn import_cycle(&mut self) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Import drive cycle")
            .add_filter(
                "CSV: time_s, speed_kmh or speed_mps, optional grade",
                &["csv"],
            )
            .pick_file()
    }
}

/// Answers dialogs from a queue (tests): each call pops one answer, None when empty.
#[derive(Debug, Default)]
pub struct ScriptedDialogs {
    /// Answers, in order.
    pub answers: VecDeque<Option<PathBuf>>,
}

impl FileDialogs for ScriptedDialogs {
    fn open_project(&mut self) -> Option<PathBuf> {
        self.answers.pop_front().flatten()
    }
    fn save_project(&mut self, _suggested_name: &str) -> Option<PathBuf> {
        self.answers.pop_front().flatten()
    }
    fn export_csv(&mut self, _suggested_name: &str) -> Option<PathBuf> {
        self.answers.pop_front().flatten()
    }
    fn export_sheet(&mut self, _suggested_name: &str) -> Option<PathBuf> {
        self.answers.pop_front().flatten()
    }
    fn export_comparison(&mut self, _suggested_name: &str) -> Option<PathBuf> {
        self.answers.pop_front().flatten()
    }
    fn import_cycle(&mut self) -> Option<PathBuf> {
        self.answers.pop_front().flatten()
    }
}

/// A message shown across the top of the work area until dismissed.
#[derive(Debug, Clone, PartialEq)]
pub struct Banner {
    /// Error or information.
    pub severity: Severity,
    /// The message (for load errors: `path:line:column: what`).
    pub text: String,
}

/// One design in the compare view.
#[derive(Debug, Clone)]
pub struct CompareEntry {
    /// Where it came from (preset name, file, "open document").
    pub source: String,
    /// The design.
    pub project: Arc<Project>,
    /// Its figures.
    pub figures: Figures,
    /// Its lumped range on its own cycle (or why there is none); None while the worker runs.
    pub range: Option<Result<crate::gui::runs::RangeSummary, String>>,
    /// The traces of that run, down-sampled for the overlay plots; None until it is back.
    pub trace: Option<Arc<panels::compare::CompareTrace>>,
    /// The file it came from (its folder finds a CSV cycle named relative to it).
    pub path: Option<PathBuf>,
    /// Its WLTP and EPA label-style figures (lumped); None until the worker is back or when
    /// its runs failed (the range says why).
    pub standard: Option<crate::gui::runs::StandardSummary>,
}

/// What a compare worker brings back.
type CompareRun = (
    crate::gui::runs::RangeSummary,
    panels::compare::CompareTrace,
    Option<crate::gui::runs::StandardSummary>,
);

/// The opt-in frame and edit-latency log (`PACKWRIGHT_FRAME_LOG`).
struct FrameLog {
    out: std::io::BufWriter<std::fs::File>,
    last_frame: Option<std::time::Instant>,
    /// The last edit, not yet logged.
    edit: Option<EditTiming>,
    /// The view the previous frame drew.
    last_view: Option<View>,
}

/// Where the last edit is on its way to the screen.
struct EditTiming {
    /// When it was applied.
    at: std::time::Instant,
    /// Milliseconds to its figures on screen, once known.
    figures_ms: Option<f64>,
    /// The previous frame drew its figures (on screen when this frame starts).
    figures_drawn: bool,
    /// The previous frame drew its lumped range.
    range_drawn: bool,
}

impl FrameLog {
    fn from_env() -> Option<Self> {
        let path = std::env::var_os("PACKWRIGHT_FRAME_LOG")?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .ok()?;
        Some(Self {
            out: std::io::BufWriter::new(file),
            last_frame: None,
            edit: None,
            last_view: None,
        })
    }

    fn line(&mut self, text: &str) {
        use std::io::Write as _;
        // A log that cannot be written is not worth stopping the studio for.
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }
}

/// Most designs compared at once.
pub const COMPARE_MAX: usize = 4;

/// A question waiting for the user: discard unsaved changes before `then`?
#[derive(Debug, Clone)]
pub struct UnsavedPrompt {
    /// What to do once the changes are saved or discarded.
    pub then: Action,
}

/// State of panels that lives in the app but not in the document.
#[derive(Debug, Default)]
pub struct UiState {
    /// Cell library panel.
    pub cells: panels::cells::CellsState,
    /// Module editor.
    pub module: panels::module::ModuleState,
    /// Pack editor.
    pub pack: panels::pack::PackState,
    /// Results view.
    pub results: panels::results::ResultsState,
}

/// The application.
pub struct StudioApp {
    /// The open document (None on the start page before anything is opened).
    pub doc: Option<Document>,
    /// Figures of the open document (recomputed on every change).
    pub figures: Figures,
    figures_of: Option<Arc<Project>>,
    /// The central view shown.
    pub view: View,
    /// Persisted settings.
    pub settings: UiSettings,
    /// Theme tokens.
    pub theme: Theme,
    theme_applied: Option<ThemeKind>,
    /// Actions queued this frame.
    pub actions: Vec<Action>,
    /// Error or info banner.
    pub banner: Option<Banner>,
    /// Unsaved-changes question.
    pub prompt: Option<UnsavedPrompt>,
    /// Designs in the compare view.
    pub compare: Vec<CompareEntry>,
    /// Panel state.
    pub ui: UiState,
    dialogs: Box<dyn FileDialogs>,
    /// Where the recovery file is written (None: no autosave).
    pub recovery_path: Option<PathBuf>,
    /// A recovery file from an earlier session, offered to the user.
    pub recovery_offer: Option<PathBuf>,
    last_autosave_s: f64,
    autosaved_revision: Option<u64>,
    allow_close: bool,
    title_shown: String,
    /// Wall-clock seconds from the last applied edit to figures on screen (measured each edit).
    pub last_edit_latency_s: Option<f64>,
    edit_started: Option<std::time::Instant>,
    /// The background run, if any.
    pub run: panels::simulate::RunState,
    /// The live lumped range of the open design.
    pub live_range: crate::gui::runs::LiveRange,
    /// The live WLTP and EPA label-style figures of the open design (lumped).
    pub live_standard: crate::gui::runs::LiveStandard,
    waker: Option<crate::jobs::Waker>,
    compare_jobs: Vec<(Arc<Project>, crate::jobs::JobHandle<CompareRun>)>,
    /// The ambient temperature every compared design runs at, K; None: each at its own.
    pub compare_ambient_k: Option<f64>,
    /// The common ambient offered when it is switched on, K (kept while it is off).
    pub compare_ambient_choice_k: f64,
    /// The file being written, what it is ("spec sheet", "comparison") and its worker.
    export_job: Option<(PathBuf, &'static str, crate::jobs::JobHandle<()>)>,
    /// The "Convert cell" window, when open.
    pub convert: Option<panels::convert::ConvertState>,
    /// The "Sweep designs" window, while open.
    pub sweep: Option<panels::sweep::SweepState>,
    frame_log: Option<FrameLog>,
    /// The window is cleared to the theme's background before every frame, so panels are not
    /// filled (see [`Theme::apply_on_clear`]); set for the native window, not for tests.
    on_clear: bool,
    /// eframe's CPU time of the previous frame (UI, tessellation and paint calls, without the
    /// buffer swap), for the frame log.
    last_cpu_s: Option<f32>,
}

impl std::fmt::Debug for StudioApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StudioApp")
            .field("view", &self.view)
            .field("doc", &self.doc.as_ref().map(|d| d.title()))
            .finish_non_exhaustive()
    }
}

impl StudioApp {
    /// A studio with the given dialogs and recovery file location.
    pub fn new(dialogs: Box<dyn FileDialogs>, recovery_path: Option<PathBuf>) -> Self {
        let settings = UiSettings::default();
        let recovery_offer = recovery_path.as_ref().filter(|p| p.exists()).cloned();
        Self {
            doc: None,
            figures: Figures::default(),
            figures_of: None,
            view: View::Welcome,
            theme: Theme::of(settings.theme),
            settings,
            theme_applied: None,
            actions: Vec::new(),
            banner: None,
            prompt: None,
            compare: Vec::new(),
            ui: UiState::default(),
            dialogs,
            recovery_path,
            recovery_offer,
            last_autosave_s: 0.0,
            autosaved_revision: None,
            allow_close: false,
            title_shown: String::new(),
            last_edit_latency_s: None,
            edit_started: None,
            run: panels::simulate::RunState::default(),
            live_range: crate::gui::runs::LiveRange::default(),
            live_standard: crate::gui::runs::LiveStandard::default(),
            waker: None,
            compare_jobs: Vec::new(),
            compare_ambient_k: None,
            // A winter morning: the case where cells that must be kept warm differ most.
            compare_ambient_choice_k: crate::units::degc_to_k(-10.0),
            export_job: None,
            convert: None,
            sweep: None,
            frame_log: FrameLog::from_env(),
            last_cpu_s: None,
            on_clear: false,
        }
    }

    /// True while a spec sheet is being written.
    pub fn is_exporting(&self) -> bool {
        self.export_job.is_some()
    }

    fn waker(&self) -> crate::jobs::Waker {
        self.waker.clone().unwrap_or_else(|| Arc::new(|| {}))
    }

    fn error(&mut self, text: String) {
        self.banner = Some(Banner {
            severity: Severity::Error,
            text,
        });
    }

    /// A studio for tests: scripted dialogs, recovery in `recovery_dir` (if any).
    pub fn for_tests(answers: Vec<Option<PathBuf>>, recovery_path: Option<PathBuf>) -> Self {
        Self::new(
            Box::new(ScriptedDialogs {
                answers: answers.into(),
            }),
            recovery_path,
        )
    }

    /// Queues more scripted dialog answers (only meaningful with [`ScriptedDialogs`]).
    pub fn set_dialogs(&mut self, dialogs: Box<dyn FileDialogs>) {
        self.dialogs = dialogs;
    }

    /// For a window whose renderer clears every frame to the theme's background
    /// ([`StudioApp::clear_color`]): panels then leave their background to that clear.
    pub fn on_cleared_window(mut self) -> Self {
        self.on_clear = true;
        self.theme_applied = None;
        self
    }

    /// The colour the window is cleared to before every frame: the theme's background.
    pub fn clear_color(&self) -> [f32; 4] {
        self.theme.bg.to_normalized_gamma_f32()
    }

    /// Uses persisted settings.
    pub fn with_settings(mut self, settings: UiSettings) -> Self {
        self.theme = Theme::of(settings.theme);
        self.settings = settings;
        self
    }

    /// Opens a file at start-up (command line); a failure shows in the banner.
    pub fn open_at_start(&mut self, path: &Path) {
        self.open_path(path);
    }

    /// Queues an action.
    pub fn push(&mut self, a: Action) {
        self.actions.push(a);
    }

    fn refresh_figures(&mut self) {
        let Some(doc) = &self.doc else {
            self.figures = Figures::default();
            self.figures_of = None;
            return;
        };
        let snap = doc.snapshot();
        if self
            .figures_of
            .as_ref()
            .is_some_and(|p| Arc::ptr_eq(p, &snap))
        {
            return;
        }
        self.figures = figures::compute(&snap);
        if let Some(w) = &self.waker {
            self.live_range
                .request(Arc::clone(&snap), doc.path.clone(), Arc::clone(w));
            self.live_standard
                .request(Arc::clone(&snap), doc.path.clone(), Arc::clone(w));
        }
        self.figures_of = Some(snap);
        if let Some(t) = self.edit_started.take() {
            self.last_edit_latency_s = Some(t.elapsed().as_secs_f64());
        }
    }

    fn set_document(&mut self, doc: Document) {
        self.doc = Some(doc);
        self.figures_of = None;
        self.ui = UiState::default();
        self.run.mark_document_replaced();
        self.live_range.clear();
        self.live_standard.clear();
        self.refresh_figures();
        if self.view == View::Welcome {
            self.view = View::Pack;
        }
    }

    fn open_path(&mut self, path: &Path) {
        match crate::preset::load_file(path) {
            Ok(project) => {
                self.settings.touch_recent(path);
                self.set_document(Document::new(project, Some(path.to_path_buf())));
                self.banner = None;
            }
            Err(e) => {
                // The open document (if any) stays as it was.
                self.banner = Some(Banner {
                    severity: Severity::Error,
                    text: format!("Could not open the file. {e}"),
                });
            }
        }
    }

    fn open_preset(&mut self, k: usize) {
        let Some(p) = BUNDLED_PRESETS.get(k) else {
            return;
        };
        match crate::preset::load_str(p.text, &format!("presets/{}", p.file_name)) {
            Ok(project) => {
                let mut doc = Document::new(project, None);
                doc.preset = Some(p.file_name.to_owned());
                self.set_document(doc);
                self.banner = None;
            }
            Err(e) => {
                self.banner = Some(Banner {
                    severity: Severity::Error,
                    text: format!("Could not open the preset. {e}"),
                });
            }
        }
    }

    fn new_blank(&mut self) {
        match blank_project() {
            Ok(p) => {
                self.set_document(Document::new(p, None));
                self.view = View::Cells;
            }
            Err(e) => {
                self.banner = Some(Banner {
                    severity: Severity::Error,
                    text: format!("Cannot start a blank project: {e}"),
                });
            }
        }
    }

    fn needs_prompt(&self) -> bool {
        self.doc.as_ref().is_some_and(Document::is_dirty)
    }

    /// Runs `a` now, or asks about unsaved changes first.
    fn guarded(&mut self, a: Action) {
        if self.needs_prompt() {
            self.prompt = Some(UnsavedPrompt { then: a });
        } else {
            self.perform(a);
        }
    }

    /// Saves to the document's path (or asks); true when saved.
    fn save(&mut self, force_ask: bool) -> bool {
        let Some(doc) = &self.doc else {
            return false;
        };
        let path = match (&doc.path, force_ask) {
            (Some(p), false) => Some(p.clone()),
            _ => {
                let name = format!("{}.ron", slug(&doc.project().name));
                self.dialogs.save_project(&name)
            }
        };
        let Some(path) = path else {
            return false;
        };
        // Saved into another folder: a cycle stored relative to the old one is re-expressed for the
        // new one (one undoable edit), so the saved file still finds it.
        if let Some(doc) = &mut self.doc
            && doc.path.as_deref().and_then(Path::parent) != path.parent()
        {
            let sim = &doc.project().simulation;
            let rebased = crate::preset::cycle_path::rebase_cycle_spec(
                &sim.cycle,
                doc.path.as_deref(),
                &path,
            );
            if rebased != sim.cycle {
                let mut next = sim.clone();
                next.cycle = rebased;
                if let Err(e) = doc.apply(Edit::SetSimulation(Box::new(next)), None, 0.0) {
                    self.error(format!("Could not save. {e}"));
                    return false;
                }
            }
        }
        let Some(doc) = &self.doc else {
            return false;
        };
        let result = crate::preset::save_file(doc.project(), &path);
        match result {
            Ok(()) => {
                if let Some(doc) = &mut self.doc {
                    doc.mark_saved(path.clone());
                }
                self.settings.touch_recent(&path);
                self.remove_recovery();
                true
            }
            Err(e) => {
                self.banner = Some(Banner {
                    severity: Severity::Error,
                    text: format!("Could not save. {e}"),
                });
                false
            }
        }
    }

    fn remove_recovery(&mut self) {
        if let Some(p) = &self.recovery_path
            && p.exists()
            && let Err(e) = std::fs::remove_file(p)
        {
            self.banner = Some(Banner {
                severity: Severity::Warning,
                text: format!("Could not remove the recovery file {}: {e}", p.display()),
            });
        }
        self.autosaved_revision = None;
    }

    fn autosave(&mut self, now_s: f64) {
        let (Some(doc), Some(path)) = (&self.doc, &self.recovery_path) else {
            return;
        };
        if !doc.is_dirty() || self.autosaved_revision == Some(doc.revision) {
            return;
        }
        if now_s - self.last_autosave_s < AUTOSAVE_INTERVAL_S {
            return;
        }
        self.last_autosave_s = now_s;
        let origin = doc
            .path
            .as_ref()
            .map_or_else(|| "(untitled)".to_owned(), |p| p.display().to_string());
        // The recovery file lives elsewhere: an imported cycle named relative to the project's
        // folder is written as an absolute path, so it still resolves if the project file is gone.
        let spec = &doc.project().simulation.cycle;
        let absolute = crate::preset::cycle_path::absolute_cycle_spec(spec, doc.path.as_deref());
        let written = if absolute == *spec {
            crate::preset::to_string(doc.project())
        } else {
            let mut project = doc.project().clone();
            project.simulation.cycle = absolute;
            crate::preset::to_string(&project)
        };
        let text = match written {
            Ok(t) => format!("// Packwright recovery of: {origin}\n{t}"),
            Err(e) => {
                self.banner = Some(Banner {
                    severity: Severity::Warning,
                    text: format!("Autosave failed: {e}"),
                });
                return;
            }
        };
        if let Some(dir) = path.parent() {
            // A missing folder shows up as the write error below.
            let _ = std::fs::create_dir_all(dir);
        }
        match crate::preset::write_atomic(path, text.as_bytes()) {
            Ok(()) => self.autosaved_revision = Some(doc.revision),
            Err(e) => {
                self.banner = Some(Banner {
                    severity: Severity::Warning,
                    text: format!("Autosave failed: {e}"),
                });
            }
        }
    }

    /// Writes the recovery file now (tests, and before risky operations).
    pub fn autosave_now(&mut self) {
        self.last_autosave_s = f64::NEG_INFINITY;
        self.autosave(0.0);
    }

    fn recover(&mut self) {
        let Some(path) = self.recovery_offer.take() else {
            return;
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                self.banner = Some(Banner {
                    severity: Severity::Error,
                    text: format!("Could not read the recovery file {}: {e}", path.display()),
                });
                return;
            }
        };
        let origin = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// Packwright recovery of: "))
            .filter(|o| *o != "(untitled)")
            .map(PathBuf::from);
        match crate::preset::load_str(&text, &path.display().to_string()) {
            Ok(mut project) => {
                // Start from the file the work belonged to (when it still loads) and apply the
                // recovered state as one undoable, unsaved step on top of it.
                let saved = origin
                    .as_ref()
                    .and_then(|o| crate::preset::load_file(o).ok());
                // The autosave wrote an imported cycle as an absolute path: the saved file's own
                // spec when it names the same file (no change to undo), else the absolute path.
                if let Some(saved) = &saved {
                    let ours = crate::preset::cycle_path::absolute_cycle_spec(
                        &saved.simulation.cycle,
                        origin.as_deref(),
                    );
                    if ours == project.simulation.cycle {
                        project.simulation.cycle = saved.simulation.cycle.clone();
                    }
                }
                let mut doc = match saved {
                    Some(saved) => Document::new(saved, origin),
                    None => Document::new(project.clone(), None),
                };
                if doc.project() != &project || doc.path.is_none() {
                    // Applying a whole project cannot be refused.
                    let _ = doc.apply(Edit::ReplaceProject(Box::new(project)), None, 0.0);
                }
                self.set_document(doc);
                self.banner = Some(Banner {
                    severity: Severity::Info,
                    text: "Recovered the unsaved work of the previous session.".to_owned(),
                });
            }
            Err(e) => {
                self.banner = Some(Banner {
                    severity: Severity::Error,
                    text: format!("The recovery file cannot be read. {e}"),
                });
            }
        }
    }

    fn export(&mut self) {
        let Some(doc) = &self.doc else {
            return;
        };
        let name = format!("{}-figures.csv", slug(&doc.project().name));
        let Some(path) = self.dialogs.export_csv(&name) else {
            return;
        };
        let mut csv = panels::inspector::figures_csv(doc.project(), &self.figures);
        if let Some(r) = self.run.result_for_export() {
            csv.push('\n');
            csv.push_str(&r);
        }
        if let Err(e) = crate::preset::write_atomic(&path, csv.as_bytes()) {
            self.banner = Some(Banner {
                severity: Severity::Error,
                text: format!("Could not export. {e}"),
            });
        }
    }

    fn add_compare(&mut self, source: String, project: Arc<Project>, base: Option<PathBuf>) {
        if self.compare.len() >= COMPARE_MAX {
            self.banner = Some(Banner {
                severity: Severity::Info,
                text: format!("Compare holds at most {COMPARE_MAX} designs; remove one first."),
            });
            return;
        }
        let figures = figures::compute(&project);
        let range = self.start_compare_run(&project, base.clone());
        self.compare.push(CompareEntry {
            source,
            project,
            figures,
            range,
            trace: None,
            path: base,
            standard: None,
        });
        self.view = View::Compare;
    }

    /// Starts the lumped runs of a compared design (its cycle to cut-off with the trace, then the
    /// standard cycles) under the compare view's conditions. None when started; the error when it
    /// could not be.
    fn start_compare_run(
        &mut self,
        project: &Arc<Project>,
        base: Option<PathBuf>,
    ) -> Option<Result<crate::gui::runs::RangeSummary, String>> {
        let mut conditioned = (**project).clone();
        let common_ambient = self.compare_ambient_k.is_some();
        if let Some(t) = self.compare_ambient_k {
            let common = crate::sim::vehicle::setup::RunConditions {
                ambient_k: Some(t),
                ..Default::default()
            };
            if let Err(e) = common.apply(&mut conditioned) {
                return Some(Err(e.to_string()));
            }
        }
        let job = crate::jobs::spawn("packwright-compare", self.waker(), move |progress| {
            let cancel = progress.cancel_flag();
            let (summary, result) =
                crate::gui::runs::lumped_run(&conditioned, base.as_deref(), &cancel, true)?;
            let trace = result
                .trace
                .as_ref()
                .map(panels::compare::CompareTrace::from_trace)
                .unwrap_or_default();
            // The standard figures after the design's own cycle; a design whose standard runs
            // fail still compares on its own cycle.
            // They start from the tests' soak unless the view sets one ambient for all.
            let standard = match if common_ambient {
                crate::gui::runs::lumped_standard_as_set(&conditioned, &cancel)
            } else {
                crate::gui::runs::lumped_standard(&conditioned, None, &cancel)
            } {
                Ok(s) => Some(s),
                Err(crate::jobs::JobError::Cancelled) => {
                    return Err(crate::jobs::JobError::Cancelled);
                }
                Err(_) => None,
            };
            Ok((summary, trace, standard))
        });
        match job {
            Ok(job) => {
                self.compare_jobs.push((Arc::clone(project), job));
                None
            }
            Err(e) => Some(Err(e.to_string())),
        }
    }

    /// Runs every compared design again (after the compare conditions changed); the runs still
    /// going are dropped, which cancels them.
    fn rerun_compare(&mut self) {
        self.compare_jobs.clear();
        for k in 0..self.compare.len() {
            let (project, base) = (
                Arc::clone(&self.compare[k].project),
                self.compare[k].path.clone(),
            );
            let range = self.start_compare_run(&project, base);
            let e = &mut self.compare[k];
            e.range = range;
            e.trace = None;
            e.standard = None;
        }
    }

    /// Collects finished compare runs into their entries.
    fn poll_compare(&mut self) {
        let mut k = 0;
        while k < self.compare_jobs.len() {
            let Some(result) = self.compare_jobs[k].1.poll() else {
                k += 1;
                continue;
            };
            let (project, _) = self.compare_jobs.remove(k);
            let (range, trace, standard) = match result {
                Ok((summary, trace, standard)) => (Ok(summary), Some(Arc::new(trace)), standard),
                Err(e) => (Err(e.to_string()), None, None),
            };
            for e in &mut self.compare {
                if Arc::ptr_eq(&e.project, &project) {
                    e.range = Some(range.clone());
                    e.trace = trace.clone();
                    e.standard = standard.clone();
                }
            }
        }
    }

    /// Starts writing the spec sheet of the open design to `path` on a worker.
    fn export_sheet_to(&mut self, path: PathBuf) {
        if self.doc.is_none() || self.export_busy() {
            return;
        }
        let Some(doc) = &self.doc else {
            return;
        };
        let Some(format) = crate::export::Format::from_path(&path) else {
            self.error(format!(
                "Cannot export the spec sheet to {}: expected a file name ending in .pdf, .md, .html, .csv or .json.",
                path.display()
            ));
            return;
        };
        let project = doc.snapshot();
        // The sheet names and hashes the design file; with unsaved changes (or no file) it hashes
        // the design as it would be saved now.
        let saved = doc
            .path
            .as_ref()
            .filter(|_| !doc.is_dirty())
            .and_then(|p| std::fs::read(p).ok().map(|b| (p.clone(), b)));
        let (name, bytes) = match saved {
            Some((p, b)) => (
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                ),
                b,
            ),
            None => match crate::preset::to_string(&project) {
                Ok(t) => (
                    format!("{}.ron (unsaved)", slug(&project.name)),
                    t.into_bytes(),
                ),
                Err(e) => {
                    self.error(format!("Could not export the spec sheet. {e}"));
                    return;
                }
            },
        };
        let out = path.clone();
        // Three drive cycles and a render.
        self.start_export(path, "spec sheet", move |progress| {
            progress.report(0.0, "driving WLTC, UDDS and HWFET");
            let cancel = progress.cancel_flag();
            // The same assembly as `packwright report` (roll-up, findings, WLTP / EPA runs).
            let sheet = crate::export::build::build_sheet(
                &crate::export::build::SheetRequest {
                    project: &project,
                    file_name: &name,
                    file_bytes: &bytes,
                    with_range: true,
                    extra_cycle: None,
                    standard_soak: true,
                },
                &|| cancel.load(std::sync::atomic::Ordering::Relaxed),
            )
            .map_err(|e| match e {
                crate::export::build::SheetError::Cancelled => crate::jobs::JobError::Cancelled,
                e => crate::jobs::JobError::Failed(e.to_string()),
            })?;
            let template = crate::export::template::SpecSheetTemplate::bundled()
                .map_err(|e| crate::jobs::JobError::Failed(e.to_string()))?;
            let data = crate::export::render(&sheet, format, &template)
                .map_err(|e| crate::jobs::JobError::Failed(e.to_string()))?;
            crate::preset::write_atomic(&out, &data)
                .map_err(|e| crate::jobs::JobError::Failed(e.to_string()))
        });
    }

    /// Starts writing the compared designs side by side to `path` on a worker: each design's
    /// cycle to cut-off at lumped fidelity under the compare view's conditions (what the view
    /// shows), in the same document as `packwright compare`.
    fn export_comparison_to(&mut self, path: PathBuf) {
        if self.export_busy() {
            return;
        }
        let format = crate::export::Format::from_path(&path)
            .filter(|f| crate::export::study::COMPARISON_FORMATS.contains(f));
        let Some(format) = format else {
            self.error(format!(
                "Cannot export the comparison to {}: expected a file name ending in .pdf, .md or .json.",
                path.display()
            ));
            return;
        };
        if self.compare.len() < 2 {
            self.error("Add at least two designs to compare before exporting.".to_owned());
            return;
        }
        let designs: Vec<(String, Arc<Project>, Option<PathBuf>)> = self
            .compare
            .iter()
            .map(|e| (e.source.clone(), Arc::clone(&e.project), e.path.clone()))
            .collect();
        let ambient_k = self.compare_ambient_k;
        let out = path.clone();
        let failed = |e: String| crate::jobs::JobError::Failed(e);
        self.start_export(path, "comparison", move |progress| {
            let cancel = progress.cancel_flag();
            let mut summaries = Vec::new();
            let mut files = Vec::new();
            let mut bytes = Vec::new();
            for (k, (source, project, base)) in designs.iter().enumerate() {
                progress.report(
                    k as f64 / designs.len() as f64,
                    format!("driving {}", project.name),
                );
                let mut p = (**project).clone();
                crate::sim::vehicle::setup::RunConditions {
                    ambient_k,
                    ..Default::default()
                }
                .apply(&mut p)
                .map_err(|e| failed(format!("{source}: {e}")))?;
                let (_, run) = crate::gui::runs::lumped_run(&p, base.as_deref(), &cancel, false)?;
                let roll = crate::model::rollup::rollup(&p);
                summaries.push(crate::study::compare::DesignSummary::new(
                    source,
                    &p,
                    &roll,
                    Some(&run),
                ));
                files.push(source.clone());
                // The footer's hash covers the designs as compared (conditions applied).
                let text = crate::preset::to_string(&p).map_err(|e| failed(e.to_string()))?;
                bytes.extend_from_slice(text.as_bytes());
            }
            let c = crate::study::compare::Comparison::new(summaries);
            let template = crate::export::template::SpecSheetTemplate::bundled()
                .map_err(|e| failed(e.to_string()))?;
            let data =
                crate::export::study::render_comparison(&c, format, &template, &files, &bytes)
                    .map_err(|e| failed(e.to_string()))?;
            crate::preset::write_atomic(&out, &data).map_err(|e| failed(e.to_string()))
        });
    }

    /// True, and said in the banner, while an export is being written (one at a time).
    fn export_busy(&mut self) -> bool {
        if self.export_job.is_some() {
            self.banner = Some(Banner {
                severity: Severity::Info,
                text: "A file is being exported already; wait for it to finish.".to_owned(),
            });
        }
        self.export_job.is_some()
    }

    /// Runs `work`, which writes the `what` ("spec sheet", "comparison") to `path`, on a
    /// background worker (seconds of work the user need not watch) and says so in the banner;
    /// [`Self::poll_export`] reports how it ended.
    fn start_export<F>(&mut self, path: PathBuf, what: &'static str, work: F)
    where
        F: FnOnce(&crate::jobs::Progress<()>) -> Result<(), crate::jobs::JobError> + Send + 'static,
    {
        match crate::jobs::spawn_background("packwright-export", self.waker(), work) {
            Ok(job) => {
                self.banner = Some(Banner {
                    severity: Severity::Info,
                    text: format!("Writing the {what} to {}…", path.display()),
                });
                self.export_job = Some((path, what, job));
            }
            Err(e) => self.error(format!("Could not export the {what}. {e}")),
        }
    }

    fn poll_export(&mut self) {
        let Some((_, _, job)) = &mut self.export_job else {
            return;
        };
        let Some(result) = job.poll() else {
            return;
        };
        let Some((path, what, _)) = self.export_job.take() else {
            return;
        };
        match result {
            Ok(()) => {
                let mut text = format!("{what} written to {}.", path.display());
                text[..1].make_ascii_uppercase();
                self.banner = Some(Banner {
                    severity: Severity::Info,
                    text,
                });
            }
            Err(e) => self.error(format!(
                "Could not export the {what} to {}. {e}",
                path.display()
            )),
        }
    }

    /// Checks a CSV drive cycle and makes it the design's cycle; a bad file leaves the cycle as it
    /// was and shows the reader's message (it names the row).
    fn import_cycle(&mut self, path: &Path, now_s: f64) {
        let Some(doc) = &self.doc else {
            return;
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                self.error(format!(
                    "Could not read the drive cycle {}: {e}",
                    path.display()
                ));
                return;
            }
        };
        if let Err(e) = crate::sim::vehicle::Cycle::parse_csv(&text, &path.display().to_string()) {
            self.error(format!("The drive cycle was not imported. {e}"));
            return;
        }
        let mut sim = doc.project().simulation.clone();
        // Relative to the project's folder when the cycle lies under it (see `preset::cycle_path`).
        sim.cycle = crate::preset::cycle_path::cycle_spec(path, doc.path.as_deref());
        self.apply_action(
            Action::Edit {
                edit: Edit::SetSimulation(Box::new(sim)),
                merge: None,
            },
            now_s,
        );
    }

    /// Performs one action (after the unsaved-changes check).
    fn perform(&mut self, a: Action) {
        match a {
            Action::New => {
                self.view = View::Welcome;
                self.doc = None;
                self.figures_of = None;
                self.refresh_figures();
                self.run.mark_document_replaced();
                self.remove_recovery();
            }
            Action::NewBlank => self.new_blank(),
            Action::Open => {
                if let Some(p) = self.dialogs.open_project() {
                    self.open_path(&p);
                }
            }
            Action::OpenPath(p) => self.open_path(&p),
            Action::OpenPreset(k) => self.open_preset(k),
            Action::Quit => {
                self.remove_recovery();
                self.allow_close = true;
            }
            other => self.apply_action(other, 0.0),
        }
    }

    /// Builds point `index` of the last sweep in the open design: the design as it is now (it may
    /// have changed since the sweep), the point's cell and counts, re-sized as the sweep did.
    fn apply_sweep_point(&mut self, index: usize, now_s: f64) {
        let (Some(st), Some(doc)) = (&self.sweep, &self.doc) else {
            return;
        };
        let Some((cell, series, parallel)) = st.design_of(index) else {
            return;
        };
        let opts = crate::study::convert::ConvertOptions::new(crate::study::convert::Keep::Energy);
        match crate::study::convert::design_with(&doc.snapshot(), &cell, series, parallel, &opts) {
            Ok((project, _fits)) => self.apply_action(
                Action::Edit {
                    edit: Edit::ReplaceProject(Box::new(project)),
                    merge: None,
                },
                now_s,
            ),
            Err(e) => self.error(format!("The design could not be built: {e}")),
        }
    }

    fn note_edit(&mut self) {
        let now = std::time::Instant::now();
        self.edit_started = Some(now);
        if let Some(log) = &mut self.frame_log {
            log.edit = Some(EditTiming {
                at: now,
                figures_ms: None,
                figures_drawn: false,
                range_drawn: false,
            });
        }
    }

    fn apply_action(&mut self, a: Action, now_s: f64) {
        match a {
            Action::Edit { edit, merge } => {
                if self.doc.is_some() {
                    self.note_edit();
                }
                if let Some(doc) = &mut self.doc
                    && let Err(e) = doc.apply(edit, merge.as_deref(), now_s)
                {
                    self.banner = Some(Banner {
                        severity: Severity::Warning,
                        text: format!("Edit refused: {e}"),
                    });
                }
            }
            Action::CloseGroup => {
                if let Some(doc) = &mut self.doc {
                    doc.close_group();
                }
            }
            Action::Undo => {
                if self.doc.is_some() {
                    self.note_edit();
                }
                if let Some(doc) = &mut self.doc {
                    doc.undo();
                }
            }
            Action::Redo => {
                if self.doc.is_some() {
                    self.note_edit();
                }
                if let Some(doc) = &mut self.doc {
                    doc.redo();
                }
            }
            Action::New | Action::Open | Action::OpenPath(_) | Action::OpenPreset(_) => {
                self.guarded(a)
            }
            Action::NewBlank => self.guarded(a),
            Action::Quit => self.guarded(a),
            Action::Save => {
                self.save(false);
            }
            Action::SaveAs => {
                self.save(true);
            }
            Action::Export => self.export(),
            Action::ExportSheet => {
                if let Some(doc) = &self.doc {
                    let name = format!("{}-spec-sheet.pdf", slug(&doc.project().name));
                    if let Some(p) = self.dialogs.export_sheet(&name) {
                        self.export_sheet_to(p);
                    }
                }
            }
            Action::ExportTo(p) => self.export_sheet_to(p),
            Action::ExportComparison => {
                if let Some(p) = self.dialogs.export_comparison("comparison.pdf") {
                    self.export_comparison_to(p);
                }
            }
            Action::ImportCycle => {
                if self.doc.is_some()
                    && let Some(p) = self.dialogs.import_cycle()
                {
                    self.import_cycle(&p, now_s);
                }
            }
            Action::ImportCycleFrom(p) => self.import_cycle(&p, now_s),
            Action::ConvertOpen => {
                if let Some(doc) = &self.doc {
                    let (state, problem) = panels::convert::ConvertState::new(doc.project());
                    self.convert = Some(state);
                    if let Some(p) = problem {
                        self.error(p);
                    }
                }
            }
            Action::ConvertApply => {
                let conv = match (&self.doc, &self.convert) {
                    (Some(doc), Some(st)) => st.ready(&doc.snapshot()),
                    _ => None,
                };
                if let Some(conv) = conv {
                    self.convert = None;
                    self.apply_action(
                        Action::Edit {
                            edit: Edit::ReplaceProject(Box::new(conv.project.clone())),
                            merge: None,
                        },
                        now_s,
                    );
                }
            }
            Action::ConvertClose => self.convert = None,
            Action::SweepOpen => {
                if let Some(doc) = &self.doc {
                    let (state, problem) = panels::sweep::SweepState::new(doc.project());
                    self.sweep = Some(state);
                    if let Some(p) = problem {
                        self.error(p);
                    }
                }
            }
            Action::SweepRun => {
                let waker = self.waker();
                let energy_j = self.figures.pack().energy_j;
                if let (Some(st), Some(doc)) = (&mut self.sweep, &self.doc) {
                    st.start(doc.snapshot(), energy_j, doc.path.clone(), waker);
                }
            }
            Action::SweepCancel => {
                if let Some(st) = &mut self.sweep {
                    st.cancel();
                }
            }
            Action::SweepApply(index) => self.apply_sweep_point(index, now_s),
            // Dropping the state drops the job's handle, which cancels it.
            Action::SweepClose => self.sweep = None,
            Action::Run => {
                if let Some(doc) = &self.doc
                    && let Err(msg) = self.run.start(doc)
                {
                    self.banner = Some(Banner {
                        severity: Severity::Warning,
                        text: msg,
                    });
                }
            }
            Action::Cancel => self.run.cancel(),
            Action::SetView(v) => self.view = v,
            Action::ToggleTheme => {
                self.settings.theme = match self.settings.theme {
                    ThemeKind::Dark => ThemeKind::Light,
                    ThemeKind::Light => ThemeKind::Dark,
                };
                self.theme = Theme::of(self.settings.theme);
            }
            Action::Recover => self.recover(),
            Action::DiscardRecovery => {
                self.recovery_offer = None;
                self.remove_recovery();
            }
            Action::CompareAddCurrent => {
                if let Some(doc) = &self.doc {
                    let src = format!("open document ({})", doc.title());
                    let snap = doc.snapshot();
                    let path = doc.path.clone();
                    self.add_compare(src, snap, path);
                }
            }
            Action::CompareAddPreset(k) => {
                if let Some(p) = BUNDLED_PRESETS.get(k) {
                    match crate::preset::load_str(p.text, &format!("presets/{}", p.file_name)) {
                        Ok(project) => {
                            self.add_compare(p.file_name.to_owned(), Arc::new(project), None);
                        }
                        Err(e) => {
                            self.banner = Some(Banner {
                                severity: Severity::Error,
                                text: format!("Could not open the preset. {e}"),
                            });
                        }
                    }
                }
            }
            Action::CompareAddFile => {
                if let Some(path) = self.dialogs.open_project() {
                    match crate::preset::load_file(&path) {
                        Ok(project) => {
                            let shown = path.display().to_string();
                            self.add_compare(shown, Arc::new(project), Some(path))
                        }
                        Err(e) => {
                            self.banner = Some(Banner {
                                severity: Severity::Error,
                                text: format!("Could not open the file. {e}"),
                            });
                        }
                    }
                }
            }
            Action::CompareRemove(k) => {
                if k < self.compare.len() {
                    self.compare.remove(k);
                    // A run nobody shows any more is dropped (and so cancelled).
                    let compare = &self.compare;
                    self.compare_jobs
                        .retain(|(p, _)| compare.iter().any(|e| Arc::ptr_eq(&e.project, p)));
                }
            }
            Action::CompareAmbient(t) => {
                if t != self.compare_ambient_k {
                    self.compare_ambient_k = t;
                    self.rerun_compare();
                }
            }
            Action::DismissBanner => self.banner = None,
        }
    }

    /// Applies the queued actions.
    pub fn run_actions(&mut self, now_s: f64) {
        let queued = std::mem::take(&mut self.actions);
        for a in queued {
            self.apply_action(a, now_s);
        }
        self.refresh_figures();
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let shortcut = |m: Modifiers, k: Key| KeyboardShortcut::new(m, k);
        let cmd = Modifiers::COMMAND;
        let cmd_shift = Modifiers::COMMAND | Modifiers::SHIFT;
        ctx.input_mut(|i| {
            // Longer chords first: Ctrl+Shift+S must not be taken for Ctrl+S.
            let table = [
                (shortcut(cmd_shift, Key::S), Action::SaveAs),
                (shortcut(cmd_shift, Key::Z), Action::Redo),
                (shortcut(cmd, Key::N), Action::New),
                (shortcut(cmd, Key::O), Action::Open),
                (shortcut(cmd, Key::S), Action::Save),
                (shortcut(cmd, Key::Z), Action::Undo),
                (shortcut(cmd, Key::Y), Action::Redo),
                (shortcut(cmd, Key::R), Action::Run),
            ];
            for (sc, action) in table {
                if i.consume_shortcut(&sc) {
                    self.actions.push(action);
                }
            }
        });
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if let Some(p) = dropped.into_iter().next() {
            self.actions.push(Action::OpenPath(p));
        }
    }

    /// The window's title: the program, the document's [`Document::title`] and • when unsaved.
    pub fn window_title(&self) -> String {
        match &self.doc {
            None => "Packwright".to_owned(),
            Some(d) => format!(
                "Packwright — {}{}",
                d.title(),
                if d.is_dirty() { " •" } else { "" }
            ),
        }
    }

    /// One frame of UI (the eframe `ui` hook, and what tests drive).
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        if self.on_clear {
            // Panels are not filled on a cleared window; scroll areas still fade their edges into
            // the background they find up the Ui stack, so the stack's root carries it (unpainted).
            let info =
                egui::UiStackInfo::default().with_frame(egui::Frame::NONE.fill(self.theme.bg));
            ui.scope_builder(egui::UiBuilder::new().ui_stack_info(info), |ui| {
                self.frame_ui(ui);
            });
        } else {
            self.frame_ui(ui);
        }
    }

    fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if self.theme_applied != Some(self.theme.kind) {
            if self.on_clear {
                self.theme.apply_on_clear(&ctx);
            } else {
                self.theme.apply(&ctx);
            }
            self.theme_applied = Some(self.theme.kind);
        }
        let now_s = ctx.input(|i| i.time);
        if self.waker.is_none() {
            let repaint = ctx.clone();
            let waker: crate::jobs::Waker = Arc::new(move || repaint.request_repaint());
            self.run.waker = Some(Arc::clone(&waker));
            self.waker = Some(waker);
            // Figures computed before the first frame get their range now.
            self.figures_of = None;
        }
        let frame_start = std::time::Instant::now();
        self.run.poll(self.doc.as_ref());
        let range_arrived = self.live_range.poll();
        self.live_standard.poll();
        self.poll_compare();
        self.poll_export();
        if let Some(st) = &mut self.sweep {
            st.poll();
        }
        if let (Some(st), Some(doc)) = (&mut self.convert, &self.doc) {
            st.poll();
            let waker = self.waker.clone().unwrap_or_else(|| Arc::new(|| {}));
            st.request(&doc.snapshot(), waker);
        }
        self.shortcuts(&ctx);
        self.dropped_files(&ctx);

        // Closing the window with unsaved changes asks first.
        if ctx.input(|i| i.viewport().close_requested()) && !self.allow_close && self.needs_prompt()
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.prompt = Some(UnsavedPrompt { then: Action::Quit });
        }

        panels::menu::show(ui, self);
        panels::status::show(ui, self);
        let show_workspace = self.doc.is_some() && self.view != View::Welcome;
        if show_workspace {
            panels::tree::show(ui, self);
            panels::inspector::show(ui, self);
            panels::problems::show(ui, self);
        }
        egui::CentralPanel::default().show(ui, |ui| {
            panels::banner::show(ui, self);
            if show_workspace {
                panels::tabs::show(ui, self);
                ui.separator();
                match self.view {
                    View::Welcome => {}
                    View::Cells => panels::cells::show(ui, self),
                    View::Module => panels::module::show(ui, self),
                    View::Pack => panels::pack::show(ui, self),
                    View::Simulation => panels::simulate::show(ui, self),
                    View::Results => panels::results::show(ui, self),
                    View::Compare => panels::compare::show(ui, self),
                }
            } else {
                panels::welcome::show(ui, self);
            }
        });
        panels::convert::show(&ctx, self);
        panels::sweep::show(&ctx, self);
        panels::prompt::show(&ctx, self);

        self.log_frame(&ctx, frame_start, range_arrived);
        self.run_actions(now_s);
        self.autosave(now_s);
        if self.allow_close {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        let title = self.window_title();
        if title != self.title_shown {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title_shown = title;
        }
        // Workers wake the UI through the waker when they report; no polling repaint is needed.
    }

    /// Appends this frame (and the edit it completes, if any) to the frame log, when enabled. The
    /// figures of an edit are drawn in the first frame after it is applied, its range in the frame
    /// its worker result arrives; each is on screen when the frame after that one starts.
    fn log_frame(
        &mut self,
        ctx: &egui::Context,
        frame_start: std::time::Instant,
        range_arrived: bool,
    ) {
        let range_current = self.doc.as_ref().is_some_and(|d| {
            self.live_range.current(d).is_some() || self.live_range.error(d).is_some()
        });
        let running = self.run.is_running();
        let Some(log) = &mut self.frame_log else {
            return;
        };
        let now = std::time::Instant::now();
        let interval_ms = log
            .last_frame
            .map_or(f64::NAN, |t| (frame_start - t).as_secs_f64() * 1e3);
        log.last_frame = Some(frame_start);
        let ui_ms = (now - frame_start).as_secs_f64() * 1e3;
        // The interval ends the previous frame: its view, CPU time and what it sent to the GPU.
        crate::gui::paint_stats::install(ctx);
        let prev = crate::gui::paint_stats::last(ctx).unwrap_or_default();
        let prev_view = log.last_view.replace(self.view);
        log.line(&format!(
            "frame {interval_ms:.3} {ui_ms:.3} {} {:?} {:.3} {} {} {} {} {} {} {} {:.3} {:.3}",
            u8::from(running),
            prev_view.unwrap_or(self.view),
            self.last_cpu_s.map_or(f64::NAN, |s| f64::from(s) * 1e3),
            prev.shapes,
            prev.texts,
            prev.circles,
            prev.meshes,
            prev.vertices,
            prev.indices,
            prev.primitives,
            prev.tessellate_ms,
            prev.fill_mpx
        ));
        let Some(mut e) = log.edit.take() else {
            ctx.request_repaint();
            return;
        };
        // What the previous frame drew is on screen now that this one has started.
        let on_screen_ms = (frame_start - e.at).as_secs_f64() * 1e3;
        if e.figures_drawn && e.figures_ms.is_none() {
            e.figures_ms = Some(on_screen_ms);
        }
        if e.range_drawn {
            let figures_ms = e.figures_ms.unwrap_or(on_screen_ms);
            log.line(&format!(
                "edit figures_ms {figures_ms:.3} range_ms {on_screen_ms:.3}"
            ));
        } else {
            // This frame drew the figures (refreshed after the actions of the frame before).
            e.figures_drawn = true;
            e.range_drawn = range_arrived && range_current;
            log.edit = Some(e);
        }
        ctx.request_repaint();
    }

    /// Answers the unsaved-changes prompt: save first, discard, or cancel.
    pub fn answer_prompt(&mut self, answer: PromptAnswer) {
        let Some(p) = self.prompt.take() else {
            return;
        };
        match answer {
            PromptAnswer::Cancel => {}
            PromptAnswer::Discard => {
                if let Some(doc) = &mut self.doc {
                    // Treat the document as clean so the follow-up does not ask again.
                    let path = doc.path.clone().unwrap_or_default();
                    doc.mark_saved(path);
                }
                self.remove_recovery();
                self.perform(p.then);
            }
            PromptAnswer::Save => {
                if self.save(false) {
                    self.perform(p.then);
                }
            }
        }
    }
}

/// The user's answer to the unsaved-changes prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptAnswer {
    /// Save, then continue.
    Save,
    /// Drop the changes, then continue.
    Discard,
    /// Do nothing.
    Cancel,
}

/// A project with nothing in it yet but a pack with its two terminals; the vehicle, pack hardware and
/// settings are those of the first bundled preset (a real car's numbers, not zeros), named "Untitled".
pub fn blank_project() -> Result<Project, String> {
    use crate::model::ids::NodeId;
    use crate::model::pack::{PackNode, Terminal};
    let first = BUNDLED_PRESETS.first().ok_or_else(|| {
        "a blank project takes its vehicle from a bundled preset, and this build has none"
            .to_owned()
    })?;
    let mut p = crate::preset::load_str(first.text, first.file_name).map_err(|e| e.to_string())?;
    p.name = "Untitled".to_owned();
    p.description = String::new();
    p.cells.clear();
    p.modules.clear();
    p.pack.graph.clear();
    p.pack.graph.add_node(PackNode::PackTerminal {
        id: NodeId::from("HV-"),
        polarity: Terminal::Neg,
    });
    p.pack.graph.add_node(PackNode::PackTerminal {
        id: NodeId::from("HV+"),
        polarity: Terminal::Pos,
    });
    Ok(p)
}

fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() {
        "project".to_owned()
    } else {
        s
    }
}

impl eframe::App for StudioApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.last_cpu_s = frame.info().cpu_usage;
        StudioApp::ui(self, ui);
    }

    fn clear_color(&self, _visuals: &egui::Visuals) -> [f32; 4] {
        StudioApp::clear_color(self)
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.settings.store(storage);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        // A clean exit with nothing unsaved leaves no recovery file behind.
        if !self.needs_prompt() {
            self.remove_recovery();
        }
    }
}

/// The renderer: OpenGL through glow, unless `PACKWRIGHT_RENDERER=wgpu` asks for eframe's wgpu.
/// egui draws only textured 2D triangles, which glow handles wherever OpenGL 3 (or ES 2) exists; on
/// a machine without a GPU (Mesa llvmpipe rasterising on the CPU) glow drew the studio about twice
/// as fast as wgpu on its GL backend (see `benches/gui.rs`).
fn renderer_from_env() -> eframe::Renderer {
    match std::env::var("PACKWRIGHT_RENDERER").as_deref() {
        Ok("wgpu") => eframe::Renderer::Wgpu,
        _ => eframe::Renderer::Glow,
    }
}

/// Bytes of the block [`keep_freed_heap`] allocates and frees.
pub const HEAP_SETTLE_BYTES: usize = 8 << 20;

/// Makes the C allocator keep freed memory for reuse instead of handing it back to the OS after
/// every large free. The window's software renderer (Mesa llvmpipe) mallocs and frees a few hundred
/// kB per draw call; glibc returns the top of its heap to the OS whenever more than its trim
/// threshold (128 kB at start) is free there, so the UI thread grew and shrank its heap ~20 times
/// a frame and took ~900 page faults (3.7 MB of fresh zeroed pages), ~2 ms a frame, in the
/// Results view. glibc raises that threshold by itself once a block it had mapped separately (one
/// above its mmap threshold, 128 kB at start) is freed: the mmap threshold becomes the block's size
/// and the trim threshold twice that (`mallopt(3)`, M_MMAP_THRESHOLD, dynamic adjustment, for
/// blocks up to 32 MB). So this allocates one [`HEAP_SETTLE_BYTES`] block and frees it (its pages
/// are never touched, so never made resident): afterwards up to twice that stays free at the top of
/// a heap. Other allocators are not affected beyond one allocation; nothing else depends on it.
pub fn keep_freed_heap() {
    // Opaque, so the compiler cannot drop the allocation as unused.
    drop(std::hint::black_box(Vec::<u8>::with_capacity(
        HEAP_SETTLE_BYTES,
    )));
}

/// Opens the studio window (blocks until it closes).
pub fn run(path: Option<PathBuf>) -> anyhow::Result<()> {
    keep_freed_heap();
    let options = eframe::NativeOptions {
        // Without dithering the renderer's fragment shader is a texture read and a multiply: on a
        // software rasteriser (Mesa llvmpipe) the dither's noise per pixel cost ~10 % of the
        // rasteriser threads' time. It moves a colour by less than half a step of 8 bits, so only
        // fractional colours (anti-aliased edges, text) can differ, by one step at most; egui's
        // colours are 8-bit, so flat fills are the same either way.
        dithering: false,
        viewport: egui::ViewportBuilder::default()
            .with_title("Packwright")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([900.0, 600.0])
            .with_drag_and_drop(true),
        renderer: renderer_from_env(),
        ..Default::default()
    };
    let recovery = eframe::storage_dir("Packwright").map(|d| d.join("recovery.ron"));
    eframe::run_native(
        "Packwright",
        options,
        Box::new(move |cc| {
            let settings = UiSettings::load(cc.storage);
            let mut app = StudioApp::new(Box::new(NativeDialogs), recovery)
                .with_settings(settings)
                .on_cleared_window();
            if let Some(p) = &path {
                app.open_at_start(p);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the studio window: {e}"))
}
