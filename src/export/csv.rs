//! CSV export of a sheet's key figures: one row per figure, `key,label,value,unit`, values in the
//! display unit named on the row at full precision (no rounding: the CSV is for other tools).

use crate::export::SpecSheet;

/// Quotes a CSV field when it needs it.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Renders the key figures.
pub fn render(sheet: &SpecSheet) -> String {
    let mut s = String::from("key,label,value,unit\n");
    s.push_str(&format!(
        "design_file,Design file,{},\n",
        field(&sheet.design_file)
    ));
    s.push_str(&format!(
        "design_sha256,Design SHA-256,{},\n",
        sheet.design_sha256
    ));
    s.push_str(&format!(
        "app_version,Packwright version,{},\n",
        sheet.app_version
    ));
    for k in &sheet.key_figures {
        s.push_str(&format!(
            "{},{},{},{}\n",
            k.key,
            field(&k.label),
            k.value,
            field(&k.unit)
        ));
    }
    s
}
