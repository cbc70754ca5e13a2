//! The flow settings form as the template shows it: every row with its options, the
//! person's input and the problem found at each field.

use std::collections::HashMap;

use ferry_domain::flows::criteria::Operator;
use ferry_domain::flows::definition::FlowDefinition;
use ferry_domain::flows::describe::{FieldCatalog, FieldKind};
use ferry_domain::flows::form::{
    PairInput, SOURCE_CONSTANT, SOURCE_FIELD, SOURCE_PARENT, SettingsForm, SourceInput, Which,
};
use ferry_domain::flows::settings::SettingsProblem;

/// One `<option>`.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Opt {
    fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Self {
        let value = value.into();
        Self {
            selected: value == current,
            label: label.into(),
            value,
        }
    }
}

pub struct ConditionRow {
    /// Field name prefix: `criteria.groups.0.conditions.1`.
    pub name: String,
    pub g: usize,
    pub c: usize,
    pub field: String,
    /// Empty when Salesforce could not be asked: the field is typed.
    pub field_options: Vec<Opt>,
    pub op_options: Vec<Opt>,
    pub value: String,
    /// `text`, `number`, `date` or `select`.
    pub value_input: &'static str,
    pub value_options: Vec<Opt>,
    pub value_hint: String,
    pub field_error: Option<String>,
    pub op_error: Option<String>,
    pub value_error: Option<String>,
}

pub struct GroupView {
    pub g: usize,
    pub name: String,
    pub any: bool,
    pub conditions: Vec<ConditionRow>,
    pub error: Option<String>,
}

/// A value source picker: Salesforce fields, or a constant, or the parent's NetSuite id.
pub struct SourceView {
    pub fields: Vec<Opt>,
    pub special: Vec<Opt>,
    /// Salesforce could not be asked: the field name is typed.
    pub typed: bool,
    pub field: String,
    pub constant: String,
}

pub struct PairRow {
    pub name: String,
    pub which: &'static str,
    pub i: usize,
    pub targets: Vec<Opt>,
    pub source: SourceView,
    pub target_error: Option<String>,
    pub source_error: Option<String>,
}

pub struct MappingRow {
    pub name: String,
    pub i: usize,
    pub targets: Vec<Opt>,
    pub required: bool,
    pub source: SourceView,
    pub trim: bool,
    pub case_options: Vec<Opt>,
    pub default_value: String,
    pub value_map: String,
    pub transform_count: usize,
    pub target_error: Option<String>,
    pub source_error: Option<String>,
    pub transforms_error: Option<String>,
}

pub struct FormView {
    pub version: String,
    pub any_group: bool,
    pub groups: Vec<GroupView>,
    pub criteria_error: Option<String>,
    pub primary: Vec<PairRow>,
    pub secondary: Vec<PairRow>,
    pub lookup_error: Option<String>,
    pub mappings: Vec<MappingRow>,
    pub mappings_error: Option<String>,
    pub required_labels: Vec<String>,
    pub create: bool,
    pub update: bool,
    pub poll_interval: String,
    pub poll_error: Option<String>,
    /// Why the fields are typed rather than chosen.
    pub catalog_notice: Option<String>,
    pub problem_count: usize,
    /// Problems at no field of the form.
    pub other_problems: Vec<String>,
}

/// Problems by path; each is taken once, the rest are shown at the top.
struct Problems(HashMap<String, String>);

impl Problems {
    fn new(problems: &[SettingsProblem]) -> Self {
        let mut map: HashMap<String, String> = HashMap::new();
        for p in problems {
            map.entry(p.path.clone())
                .and_modify(|m| {
                    m.push(' ');
                    m.push_str(&p.message);
                })
                .or_insert_with(|| p.message.clone());
        }
        Self(map)
    }

    fn take(&mut self, path: &str) -> Option<String> {
        self.0.remove(path)
    }

    fn take_any(&mut self, paths: &[String]) -> Option<String> {
        let found: Vec<String> = paths.iter().filter_map(|p| self.take(p)).collect();
        (!found.is_empty()).then(|| found.join(" "))
    }
}

fn field_options(catalog: &FieldCatalog, current: &str) -> Vec<Opt> {
    let mut options = vec![Opt::new("", "Choose a field…", current)];
    options.extend(catalog.fields.iter().map(|f| {
        Opt::new(
            f.name.clone(),
            format!("{} ({})", f.label, f.name),
            if f.name.eq_ignore_ascii_case(current) {
                &f.name
            } else {
                ""
            },
        )
    }));
    if !current.is_empty() && catalog.get(current).is_none() {
        options.push(Opt::new(
            current,
            format!("{current} (not found in Salesforce)"),
            current,
        ));
    }
    options
}

fn condition_row(
    catalog: &FieldCatalog,
    g: usize,
    c: usize,
    input: &ferry_domain::flows::form::ConditionInput,
    problems: &mut Problems,
) -> ConditionRow {
    let name = format!("criteria.groups.{g}.conditions.{c}");
    let info = catalog.get(&input.field);
    let op = Operator::parse(input.op.trim()).unwrap_or(Operator::Equals);
    let mut ops: Vec<Operator> =
        info.map_or(Operator::ALL.to_vec(), |f| f.kind.operators().to_vec());
    if !ops.contains(&op) {
        ops.push(op);
    }
    let kind = info.map(|f| f.kind);
    let (value_input, value_options, value_hint) = match (kind, op) {
        (_, Operator::InList) => {
            let hint = match info {
                Some(f) if !f.picklist.is_empty() => format!(
                    "Separate values with commas. Values: {}",
                    f.picklist
                        .iter()
                        .map(|(v, _)| v.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                _ => "Separate values with commas.".to_owned(),
            };
            ("text", Vec::new(), hint)
        }
        (Some(FieldKind::Picklist), _) => {
            let picklist = info.map(|f| f.picklist.clone()).unwrap_or_default();
            let mut options = vec![Opt::new("", "Choose a value…", &input.value)];
            options.extend(
                picklist
                    .iter()
                    .map(|(v, l)| Opt::new(v.clone(), l.clone(), &input.value)),
            );
            if !input.value.is_empty() && !picklist.iter().any(|(v, _)| *v == input.value) {
                options.push(Opt::new(
                    input.value.clone(),
                    input.value.clone(),
                    &input.value,
                ));
            }
            ("select", options, String::new())
        }
        (Some(FieldKind::Boolean), _) => (
            "select",
            vec![
                Opt::new("true", "true (checked)", &input.value),
                Opt::new("false", "false (unchecked)", &input.value),
            ],
            String::new(),
        ),
        (Some(FieldKind::Number), _) => ("number", Vec::new(), String::new()),
        (Some(FieldKind::Date | FieldKind::DateTime), _) => ("date", Vec::new(), String::new()),
        (None, Operator::GreaterThan | Operator::LessThan) => (
            "text",
            Vec::new(),
            "A number, or a date as YYYY-MM-DD.".to_owned(),
        ),
        _ => ("text", Vec::new(), String::new()),
    };
    ConditionRow {
        field_error: problems.take(&format!("{name}.field")),
        op_error: problems.take(&format!("{name}.op")),
        value_error: problems.take(&format!("{name}.value")),
        field_options: if catalog.is_known() {
            field_options(catalog, &input.field)
        } else {
            Vec::new()
        },
        op_options: ops
            .into_iter()
            .map(|o| Opt::new(o.as_str(), o.label(), op.as_str()))
            .collect(),
        field: input.field.clone(),
        value: input.value.clone(),
        value_input,
        value_options,
        value_hint,
        name,
        g,
        c,
    }
}

fn source_view(
    catalog: &FieldCatalog,
    definition: &FlowDefinition,
    input: &SourceInput,
) -> SourceView {
    let typed = !catalog.is_known();
    let current = input.source.as_str();
    let mut special = Vec::new();
    if typed {
        // A typed name, or a field name the stored settings hold.
        let typed_current = if current.starts_with('@') || current.is_empty() {
            current
        } else {
            SOURCE_FIELD
        };
        special.push(Opt::new(
            SOURCE_FIELD,
            "Salesforce field (type its API name)",
            typed_current,
        ));
        special.push(Opt::new(SOURCE_CONSTANT, "A constant value", typed_current));
        if let Some(parent) = &definition.parent {
            special.push(Opt::new(
                SOURCE_PARENT,
                format!("The {}'s NetSuite id", parent.label),
                typed_current,
            ));
        }
    } else {
        special.push(Opt::new(SOURCE_CONSTANT, "A constant value", current));
        if let Some(parent) = &definition.parent {
            special.push(Opt::new(
                SOURCE_PARENT,
                format!("The {}'s NetSuite id", parent.label),
                current,
            ));
        }
    }
    let field = if typed && !current.starts_with('@') {
        current.to_owned()
    } else {
        input.field.clone()
    };
    let fields = if typed {
        Vec::new()
    } else {
        let name = input.field_name().unwrap_or_default();
        let mut options = field_options(catalog, name);
        if let Some(first) = options.first_mut() {
            first.label = "Choose a source…".to_owned();
            first.selected = current.is_empty();
        }
        options
    };
    SourceView {
        fields,
        special,
        typed,
        field,
        constant: input.constant.clone(),
    }
}

fn target_options(definition: &FlowDefinition, current: &str, mark_required: bool) -> Vec<Opt> {
    let mut options = vec![Opt::new("", "Choose a NetSuite field…", current)];
    options.extend(definition.target_fields.iter().map(|f| {
        let label = if mark_required && f.required {
            format!("{} ({}) *", f.label, f.name)
        } else {
            format!("{} ({})", f.label, f.name)
        };
        Opt::new(f.name, label, current)
    }));
    if !current.is_empty() && definition.target_field(current).is_none() {
        options.push(Opt::new(current, format!("{current} (unknown)"), current));
    }
    options
}

fn pair_row(
    catalog: &FieldCatalog,
    definition: &FlowDefinition,
    which: Which,
    i: usize,
    input: &PairInput,
    problems: &mut Problems,
) -> PairRow {
    let name = format!("lookup.{}.{i}", which.as_str());
    PairRow {
        targets: target_options(definition, &input.target, false),
        source: source_view(catalog, definition, &input.source),
        target_error: problems.take(&format!("{name}.target")),
        source_error: problems.take(&format!("{name}.source")),
        which: which.as_str(),
        name,
        i,
    }
}

/// Everything the form template needs.
pub fn form_view(
    definition: &FlowDefinition,
    catalog: &FieldCatalog,
    form: &SettingsForm,
    problems: &[SettingsProblem],
) -> FormView {
    let mut found = Problems::new(problems);
    let groups = form
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| GroupView {
            name: format!("criteria.groups.{g}"),
            any: group.combinator == "any",
            conditions: group
                .conditions
                .iter()
                .enumerate()
                .map(|(c, cond)| condition_row(catalog, g, c, cond, &mut found))
                .collect(),
            error: found.take(&format!("criteria.groups.{g}.match")),
            g,
        })
        .collect();
    let pairs = |which: Which, found: &mut Problems| -> Vec<PairRow> {
        form.pairs(which)
            .iter()
            .enumerate()
            .map(|(i, p)| pair_row(catalog, definition, which, i, p, found))
            .collect()
    };
    let primary = pairs(Which::Primary, &mut found);
    let secondary = pairs(Which::Secondary, &mut found);
    let mappings = form
        .mappings
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let name = format!("mappings.{i}");
            MappingRow {
                targets: target_options(definition, &m.target, true),
                required: definition
                    .target_field(&m.target)
                    .is_some_and(|f| f.required),
                source: source_view(catalog, definition, &m.source),
                trim: m.trim,
                case_options: vec![
                    Opt::new("", "Case unchanged", &m.case),
                    Opt::new("upper", "UPPER CASE", &m.case),
                    Opt::new("lower", "lower case", &m.case),
                ],
                default_value: m.default_value.clone(),
                value_map: m.value_map.clone(),
                transform_count: m.transform_count(),
                target_error: found.take(&format!("{name}.target")),
                source_error: found.take(&format!("{name}.source")),
                transforms_error: found.take_any(&[
                    format!("{name}.transforms"),
                    format!("{name}.case"),
                    format!("{name}.value_map"),
                ]),
                name,
                i,
            }
        })
        .collect();
    FormView {
        version: form.version.clone(),
        any_group: form.combinator == "any",
        groups,
        criteria_error: found.take("criteria.match"),
        primary,
        secondary,
        lookup_error: found.take_any(&["lookup.primary".to_owned(), "lookup.secondary".to_owned()]),
        mappings,
        mappings_error: found.take("mappings"),
        required_labels: definition
            .target_fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.label.to_owned())
            .collect(),
        create: form.create,
        update: form.update,
        poll_interval: form.poll_interval.clone(),
        poll_error: found.take("poll_interval_minutes"),
        catalog_notice: catalog.unavailable.clone(),
        problem_count: problems.len(),
        other_problems: {
            let mut rest: Vec<(String, String)> = found.0.into_iter().collect();
            rest.sort();
            rest.into_iter().map(|(_, m)| m).collect()
        },
    }
}
