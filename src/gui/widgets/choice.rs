//! A labelled choice among a few values (a combo box), as one row of a two-column grid.

/// `label` and a combo box over `options` named by `name`; the label names the box for screen
/// readers and tests, and is its id (unique within a panel). Ends the grid row. The chosen value
/// when it differs from `value`.
pub fn choice_row<T: Copy + PartialEq>(
    ui: &mut egui::Ui,
    label: &str,
    value: T,
    options: &[T],
    name: impl Fn(T) -> &'static str,
) -> Option<T> {
    let l = ui.label(label);
    let mut v = value;
    egui::ComboBox::from_id_salt(label)
        .selected_text(name(v))
        .show_ui(ui, |ui| {
            for &o in options {
                ui.selectable_value(&mut v, o, name(o));
            }
        })
        .response
        .labelled_by(l.id);
    ui.end_row();
    (v != value).then_some(v)
}
