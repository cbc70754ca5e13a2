//! The flow settings form as a person fills it in: every value kept as typed, so a refused
//! form comes back exactly as it was sent, and parsed into [`FlowSettings`] at the edge.
//!
//! Rows are named by index (`mappings.2.target`, `criteria.groups.0.conditions.1.op`), the
//! same paths [`FlowSettings::validate`] reports problems at. Adding and removing rows are
//! form actions the server applies, so the form works without JavaScript.

use std::collections::BTreeMap;

use super::criteria::{Combinator, Condition, Criteria, Group, Operator};
use super::definition::FlowDefinition;
use super::describe::FieldCatalog;
use super::fields::{SourceField, TargetField};
use super::mapping::{FieldMapping, Transform, ValueMapEntry, ValueSource};
use super::settings::{FlowSettings, LookupCriteria, LookupPair, SETTINGS_SCHEMA, SettingsProblem};

/// `source` values that are not field names.
pub const SOURCE_FIELD: &str = "@field";
pub const SOURCE_CONSTANT: &str = "@constant";
pub const SOURCE_PARENT: &str = "@parent";

/// Rows of one kind a form may hold; more is not a person typing.
pub const MAX_ROWS: usize = 100;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConditionInput {
    pub field: String,
    pub op: String,
    pub value: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupInput {
    /// `all` or `any`.
    pub combinator: String,
    pub conditions: Vec<ConditionInput>,
}

/// Where a value comes from, as the form holds it: `source` is a field name, or one of
/// [`SOURCE_FIELD`] (then `field` holds a typed name), [`SOURCE_CONSTANT`], [`SOURCE_PARENT`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceInput {
    pub source: String,
    pub field: String,
    pub constant: String,
}

impl SourceInput {
    /// The Salesforce field this source names, if it names one.
    pub fn field_name(&self) -> Option<&str> {
        match self.source.as_str() {
            SOURCE_CONSTANT | SOURCE_PARENT | "" => None,
            SOURCE_FIELD => Some(self.field.trim()).filter(|f| !f.is_empty()),
            name => Some(name),
        }
    }

    fn from_source(source: &ValueSource) -> Self {
        match source {
            ValueSource::Field { field } => Self {
                source: field.to_string(),
                ..Self::default()
            },
            ValueSource::Constant { value } => Self {
                source: SOURCE_CONSTANT.to_owned(),
                constant: value.clone(),
                ..Self::default()
            },
            ValueSource::ParentTarget => Self {
                source: SOURCE_PARENT.to_owned(),
                ..Self::default()
            },
        }
    }

    fn parse(&self, path: &str, problems: &mut Vec<SettingsProblem>) -> Option<ValueSource> {
        match self.source.trim() {
            SOURCE_CONSTANT => Some(ValueSource::Constant {
                value: self.constant.clone(),
            }),
            SOURCE_PARENT => Some(ValueSource::ParentTarget),
            "" => {
                problem(problems, path, "Choose a Salesforce field or a constant.");
                None
            }
            _ => {
                let name = self.field_name().unwrap_or_default();
                if name.is_empty() {
                    problem(problems, path, "Type the Salesforce field's API name.");
                    return None;
                }
                match SourceField::parse(name) {
                    Some(field) => Some(ValueSource::Field { field }),
                    None => {
                        problem(
                            problems,
                            path,
                            &format!("\"{name}\" is not a Salesforce field name."),
                        );
                        None
                    }
                }
            }
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PairInput {
    pub target: String,
    pub source: SourceInput,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MappingInput {
    pub target: String,
    pub source: SourceInput,
    pub trim: bool,
    /// ``, `upper` or `lower`.
    pub case: String,
    /// Used when the value is empty; empty means no default.
    pub default_value: String,
    /// One `from = to` per line; `* = value` for everything else.
    pub value_map: String,
}

impl MappingInput {
    /// How many transforms the row sets (shown on the collapsed transforms cell).
    pub fn transform_count(&self) -> usize {
        usize::from(self.trim)
            + usize::from(!self.case.is_empty())
            + usize::from(!self.default_value.trim().is_empty())
            + usize::from(!self.value_map.trim().is_empty())
    }
}

/// The whole form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsForm {
    /// The flow version the form was opened at (optimistic lock).
    pub version: String,
    /// How groups combine: `all` or `any`.
    pub combinator: String,
    pub groups: Vec<GroupInput>,
    pub primary: Vec<PairInput>,
    pub secondary: Vec<PairInput>,
    pub mappings: Vec<MappingInput>,
    pub create: bool,
    pub update: bool,
    pub poll_interval: String,
}

/// Which lookup criterion a row belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Primary,
    Secondary,
}

impl Which {
    pub fn as_str(self) -> &'static str {
        match self {
            Which::Primary => "primary",
            Which::Secondary => "secondary",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "primary" => Some(Which::Primary),
            "secondary" => Some(Which::Secondary),
            _ => None,
        }
    }
}

/// What the pressed button asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormAction {
    Save,
    /// Re-render (a field changed: operators and value inputs follow its type).
    Refresh,
    AddGroup,
    RemoveGroup(usize),
    AddCondition(usize),
    RemoveCondition(usize, usize),
    AddPair(Which),
    RemovePair(Which, usize),
    AddMapping,
    RemoveMapping(usize),
}

impl FormAction {
    /// `save`, `add_condition.0`, `remove_pair.primary.1`… Anything else only shows the
    /// form again: a settings change is saved only when Save was pressed (pressing Enter in
    /// a field presses the form's first button, which is Save).
    pub fn parse(s: &str) -> Self {
        let parts: Vec<&str> = s.split('.').collect();
        let n = |i: usize| parts.get(i).and_then(|p| p.parse::<usize>().ok());
        let which = || parts.get(1).and_then(|p| Which::parse(p));
        match parts.first().copied().unwrap_or("") {
            "save" => FormAction::Save,
            "add_group" => FormAction::AddGroup,
            "remove_group" => n(1).map_or(FormAction::Refresh, FormAction::RemoveGroup),
            "add_condition" => n(1).map_or(FormAction::Refresh, FormAction::AddCondition),
            "remove_condition" => match (n(1), n(2)) {
                (Some(g), Some(c)) => FormAction::RemoveCondition(g, c),
                _ => FormAction::Refresh,
            },
            "add_pair" => which().map_or(FormAction::Refresh, FormAction::AddPair),
            "remove_pair" => match (which(), n(2)) {
                (Some(w), Some(i)) => FormAction::RemovePair(w, i),
                _ => FormAction::Refresh,
            },
            "add_mapping" => FormAction::AddMapping,
            "remove_mapping" => n(1).map_or(FormAction::Refresh, FormAction::RemoveMapping),
            _ => FormAction::Refresh,
        }
    }
}

fn problem(problems: &mut Vec<SettingsProblem>, path: &str, message: &str) {
    problems.push(SettingsProblem {
        path: path.to_owned(),
        message: message.to_owned(),
    });
}

fn truthy(v: &str) -> bool {
    matches!(v, "on" | "true" | "1" | "yes")
}

/// Rows collected by index while reading the fields, in index order.
#[derive(Default)]
struct Rows<T>(BTreeMap<usize, T>);

impl<T: Default> Rows<T> {
    fn at(&mut self, index: &str) -> Option<&mut T> {
        let i: usize = index.parse().ok()?;
        if i >= MAX_ROWS * 10 || (self.0.len() >= MAX_ROWS && !self.0.contains_key(&i)) {
            return None;
        }
        Some(self.0.entry(i).or_default())
    }

    fn into_vec(self) -> Vec<T> {
        self.0.into_values().collect()
    }
}

#[derive(Default)]
struct GroupRows {
    combinator: String,
    conditions: Rows<ConditionInput>,
}

fn set_source(source: &mut SourceInput, key: &str, value: String) {
    match key {
        "source" => source.source = value,
        "field" => source.field = value,
        "constant" => source.constant = value,
        _ => {}
    }
}

impl SettingsForm {
    /// The form showing `settings` at `version`.
    pub fn from_settings(settings: &FlowSettings, version: i32) -> Self {
        let combinator = |c: Combinator| match c {
            Combinator::All => "all".to_owned(),
            Combinator::Any => "any".to_owned(),
        };
        let pairs = |pairs: &[LookupPair]| {
            pairs
                .iter()
                .map(|p| PairInput {
                    target: p.target.to_string(),
                    source: SourceInput::from_source(&p.source),
                })
                .collect()
        };
        Self {
            version: version.to_string(),
            combinator: combinator(settings.criteria.combinator),
            groups: settings
                .criteria
                .groups
                .iter()
                .map(|g| GroupInput {
                    combinator: combinator(g.combinator),
                    conditions: g
                        .conditions
                        .iter()
                        .map(|c| ConditionInput {
                            field: c.field.to_string(),
                            op: c.op.as_str().to_owned(),
                            value: c.value.clone(),
                        })
                        .collect(),
                })
                .collect(),
            primary: pairs(&settings.lookup.primary),
            secondary: pairs(&settings.lookup.secondary),
            mappings: settings.mappings.iter().map(mapping_input).collect(),
            create: settings.create,
            update: settings.update,
            poll_interval: settings.poll_interval_minutes.to_string(),
        }
    }

    /// Reads the submitted fields (any order; unknown names are ignored). Also returns the
    /// `action` field.
    pub fn from_fields(fields: &[(String, String)]) -> (Self, FormAction) {
        let mut form = SettingsForm::default();
        let mut action = FormAction::Refresh;
        let mut groups: Rows<GroupRows> = Rows::default();
        let mut primary: Rows<PairInput> = Rows::default();
        let mut secondary: Rows<PairInput> = Rows::default();
        let mut mappings: Rows<MappingInput> = Rows::default();
        for (name, value) in fields {
            let value = value.clone();
            let parts: Vec<&str> = name.split('.').collect();
            match parts.as_slice() {
                ["action"] => action = FormAction::parse(&value),
                ["version"] => form.version = value,
                ["create"] => form.create = truthy(&value),
                ["update"] => form.update = truthy(&value),
                ["poll_interval_minutes"] => form.poll_interval = value,
                ["criteria", "match"] => form.combinator = value,
                ["criteria", "groups", g, "match"] => {
                    if let Some(group) = groups.at(g) {
                        group.combinator = value;
                    }
                }
                ["criteria", "groups", g, "conditions", c, key] => {
                    if let Some(cond) = groups.at(g).and_then(|group| group.conditions.at(c)) {
                        match *key {
                            "field" => cond.field = value,
                            "op" => cond.op = value,
                            "value" => cond.value = value,
                            _ => {}
                        }
                    }
                }
                ["lookup", which, i, key] => {
                    let rows = match *which {
                        "primary" => &mut primary,
                        "secondary" => &mut secondary,
                        _ => continue,
                    };
                    if let Some(pair) = rows.at(i) {
                        match *key {
                            "target" => pair.target = value,
                            other => set_source(&mut pair.source, other, value),
                        }
                    }
                }
                ["mappings", i, key] => {
                    if let Some(m) = mappings.at(i) {
                        match *key {
                            "target" => m.target = value,
                            "trim" => m.trim = truthy(&value),
                            "case" => m.case = value,
                            "default" => m.default_value = value,
                            "value_map" => m.value_map = value,
                            other => set_source(&mut m.source, other, value),
                        }
                    }
                }
                _ => {}
            }
        }
        form.groups = groups
            .into_vec()
            .into_iter()
            .map(|g| GroupInput {
                combinator: g.combinator,
                conditions: g.conditions.into_vec(),
            })
            .collect();
        form.primary = primary.into_vec();
        form.secondary = secondary.into_vec();
        form.mappings = mappings.into_vec();
        (form, action)
    }

    /// Applies an add or remove button. Out-of-range indexes change nothing.
    pub fn apply(&mut self, action: FormAction) {
        let new_group = || GroupInput {
            combinator: "all".to_owned(),
            conditions: vec![ConditionInput::default()],
        };
        match action {
            FormAction::Save | FormAction::Refresh => {}
            FormAction::AddGroup => {
                if self.groups.len() < MAX_ROWS {
                    self.groups.push(new_group());
                }
            }
            FormAction::RemoveGroup(g) => {
                if g < self.groups.len() {
                    self.groups.remove(g);
                }
            }
            FormAction::AddCondition(g) => {
                if let Some(group) = self.groups.get_mut(g) {
                    if group.conditions.len() < MAX_ROWS {
                        group.conditions.push(ConditionInput::default());
                    }
                } else if self.groups.is_empty() {
                    self.groups.push(new_group());
                }
            }
            FormAction::RemoveCondition(g, c) => {
                if let Some(group) = self.groups.get_mut(g)
                    && c < group.conditions.len()
                {
                    group.conditions.remove(c);
                    if group.conditions.is_empty() {
                        self.groups.remove(g);
                    }
                }
            }
            FormAction::AddPair(which) => {
                let rows = self.pairs_mut(which);
                if rows.len() < MAX_ROWS {
                    rows.push(PairInput::default());
                }
            }
            FormAction::RemovePair(which, i) => {
                let rows = self.pairs_mut(which);
                if i < rows.len() {
                    rows.remove(i);
                }
            }
            FormAction::AddMapping => {
                if self.mappings.len() < MAX_ROWS {
                    self.mappings.push(MappingInput::default());
                }
            }
            FormAction::RemoveMapping(i) => {
                if i < self.mappings.len() {
                    self.mappings.remove(i);
                }
            }
        }
    }

    pub fn pairs(&self, which: Which) -> &[PairInput] {
        match which {
            Which::Primary => &self.primary,
            Which::Secondary => &self.secondary,
        }
    }

    fn pairs_mut(&mut self, which: Which) -> &mut Vec<PairInput> {
        match which {
            Which::Primary => &mut self.primary,
            Which::Secondary => &mut self.secondary,
        }
    }

    /// The version the form was opened at.
    pub fn version(&self) -> Option<i32> {
        self.version.trim().parse().ok()
    }

    /// The settings the form describes, or every problem found, each at its field's path:
    /// first what cannot be read at all, then [`FlowSettings::validate`], then (when
    /// Salesforce described the object) whether fields exist and operators fit their type.
    pub fn parse(
        &self,
        definition: &FlowDefinition,
        catalog: &FieldCatalog,
    ) -> Result<FlowSettings, Vec<SettingsProblem>> {
        let mut problems = Vec::new();
        let settings = self.read(&mut problems);
        let Some(settings) = settings.filter(|_| problems.is_empty()) else {
            return Err(problems);
        };
        if let Err(more) = settings.validate(definition) {
            problems.extend(more);
        }
        problems.extend(check_fields(&settings, catalog));
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(problems)
        }
    }

    fn read(&self, problems: &mut Vec<SettingsProblem>) -> Option<FlowSettings> {
        let combinator = |s: &str, path: &str, problems: &mut Vec<SettingsProblem>| match s {
            "any" => Combinator::Any,
            "all" | "" => Combinator::All,
            _ => {
                problem(problems, path, "Choose AND or OR.");
                Combinator::All
            }
        };
        let mut groups = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            let prefix = format!("criteria.groups.{g}");
            let mut conditions = Vec::new();
            for (c, cond) in group.conditions.iter().enumerate() {
                let path = format!("{prefix}.conditions.{c}");
                let field = match cond.field.trim() {
                    "" => {
                        problem(problems, &format!("{path}.field"), "Choose a field.");
                        None
                    }
                    name => {
                        let parsed = SourceField::parse(name);
                        if parsed.is_none() {
                            problem(
                                problems,
                                &format!("{path}.field"),
                                &format!("\"{name}\" is not a Salesforce field name."),
                            );
                        }
                        parsed
                    }
                };
                let op = match cond.op.trim() {
                    "" => Some(Operator::Equals),
                    op => {
                        let parsed = Operator::parse(op);
                        if parsed.is_none() {
                            problem(problems, &format!("{path}.op"), "Choose an operator.");
                        }
                        parsed
                    }
                };
                if let (Some(field), Some(op)) = (field, op) {
                    let value = if op.takes_value() {
                        cond.value.trim().to_owned()
                    } else {
                        String::new()
                    };
                    conditions.push(Condition { field, op, value });
                }
            }
            groups.push(Group {
                combinator: combinator(&group.combinator, &format!("{prefix}.match"), problems),
                conditions,
            });
        }
        let criteria = Criteria {
            combinator: combinator(&self.combinator, "criteria.match", problems),
            groups,
        };

        let mut lookup = LookupCriteria::default();
        for which in [Which::Primary, Which::Secondary] {
            let mut out = Vec::new();
            for (i, pair) in self.pairs(which).iter().enumerate() {
                let path = format!("lookup.{}.{i}", which.as_str());
                let target = read_target(&pair.target, &format!("{path}.target"), problems);
                let source = pair.source.parse(&format!("{path}.source"), problems);
                if let (Some(target), Some(source)) = (target, source) {
                    out.push(LookupPair { target, source });
                }
            }
            match which {
                Which::Primary => lookup.primary = out,
                Which::Secondary => lookup.secondary = out,
            }
        }

        let mut mappings = Vec::new();
        for (i, m) in self.mappings.iter().enumerate() {
            let path = format!("mappings.{i}");
            let target = read_target(&m.target, &format!("{path}.target"), problems);
            let source = m.source.parse(&format!("{path}.source"), problems);
            let transforms = read_transforms(m, &path, problems);
            if let (Some(target), Some(source)) = (target, source) {
                mappings.push(FieldMapping {
                    target,
                    source,
                    transforms,
                });
            }
        }

        let poll_interval_minutes = match self.poll_interval.trim().parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                problem(
                    problems,
                    "poll_interval_minutes",
                    "Enter a whole number of minutes.",
                );
                0
            }
        };
        Some(FlowSettings {
            schema: SETTINGS_SCHEMA,
            criteria,
            lookup,
            mappings,
            create: self.create,
            update: self.update,
            poll_interval_minutes,
        })
    }
}

fn read_target(
    target: &str,
    path: &str,
    problems: &mut Vec<SettingsProblem>,
) -> Option<TargetField> {
    match target.trim() {
        "" => {
            problem(problems, path, "Choose a NetSuite field.");
            None
        }
        name => {
            let parsed = TargetField::parse(name);
            if parsed.is_none() {
                problem(
                    problems,
                    path,
                    &format!("\"{name}\" is not a NetSuite field name."),
                );
            }
            parsed
        }
    }
}

/// Transforms in the one order the form applies them: trim, case, value map, default.
fn read_transforms(
    m: &MappingInput,
    path: &str,
    problems: &mut Vec<SettingsProblem>,
) -> Vec<Transform> {
    let mut transforms = Vec::new();
    if m.trim {
        transforms.push(Transform::Trim);
    }
    match m.case.as_str() {
        "upper" => transforms.push(Transform::Upper),
        "lower" => transforms.push(Transform::Lower),
        "" => {}
        _ => problem(
            problems,
            &format!("{path}.case"),
            "Choose upper case, lower case or unchanged.",
        ),
    }
    if !m.value_map.trim().is_empty() {
        let mut entries = Vec::new();
        let mut otherwise = None;
        for (n, line) in m.value_map.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match line.split_once('=') {
                Some((from, to)) if !from.trim().is_empty() => {
                    let (from, to) = (from.trim(), to.trim());
                    if from == "*" {
                        otherwise = Some(to.to_owned());
                    } else {
                        entries.push(ValueMapEntry {
                            from: from.to_owned(),
                            to: to.to_owned(),
                        });
                    }
                }
                _ => problem(
                    problems,
                    &format!("{path}.value_map"),
                    &format!("Line {}: write it as \"from = to\".", n + 1),
                ),
            }
        }
        transforms.push(Transform::ValueMap { entries, otherwise });
    }
    if !m.default_value.trim().is_empty() {
        transforms.push(Transform::DefaultIfEmpty {
            value: m.default_value.trim().to_owned(),
        });
    }
    transforms
}

fn mapping_input(m: &FieldMapping) -> MappingInput {
    let mut input = MappingInput {
        target: m.target.to_string(),
        source: SourceInput::from_source(&m.source),
        ..MappingInput::default()
    };
    for t in &m.transforms {
        match t {
            Transform::Trim => input.trim = true,
            Transform::Upper => input.case = "upper".to_owned(),
            Transform::Lower => input.case = "lower".to_owned(),
            Transform::DefaultIfEmpty { value } => input.default_value = value.clone(),
            Transform::ValueMap { entries, otherwise } => {
                let mut lines: Vec<String> = entries
                    .iter()
                    .map(|e| format!("{} = {}", e.from, e.to))
                    .collect();
                if let Some(other) = otherwise {
                    lines.push(format!("* = {other}"));
                }
                input.value_map = lines.join("\n");
            }
        }
    }
    input
}

/// With Salesforce's field list at hand: every named field exists, and each condition's
/// operator and value fit the field's type.
pub fn check_fields(settings: &FlowSettings, catalog: &FieldCatalog) -> Vec<SettingsProblem> {
    let mut problems = Vec::new();
    if !catalog.is_known() {
        return problems;
    }
    let unknown = |name: &str| format!("Salesforce has no field \"{name}\" here.");
    for (g, group) in settings.criteria.groups.iter().enumerate() {
        for (c, cond) in group.conditions.iter().enumerate() {
            let path = format!("criteria.groups.{g}.conditions.{c}");
            let Some(info) = catalog.get(cond.field.as_str()) else {
                problem(
                    &mut problems,
                    &format!("{path}.field"),
                    &unknown(cond.field.as_str()),
                );
                continue;
            };
            if !info.kind.operators().contains(&cond.op) {
                problem(
                    &mut problems,
                    &format!("{path}.op"),
                    &format!(
                        "\"{}\" does not apply to a {} field.",
                        cond.op.label(),
                        info.kind.label()
                    ),
                );
            } else if let Err(message) = info.kind.accepts(cond.op, &cond.value) {
                problem(&mut problems, &format!("{path}.value"), &message);
            }
        }
    }
    let sources = settings
        .lookup
        .primary
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("lookup.primary.{i}.source"), &p.source))
        .chain(
            settings
                .lookup
                .secondary
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("lookup.secondary.{i}.source"), &p.source)),
        )
        .chain(
            settings
                .mappings
                .iter()
                .enumerate()
                .map(|(i, m)| (format!("mappings.{i}.source"), &m.source)),
        );
    for (path, source) in sources {
        if let ValueSource::Field { field } = source
            && catalog.get(field.as_str()).is_none()
        {
            problem(&mut problems, &path, &unknown(field.as_str()));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::definition::CONTACT;
    use crate::flows::describe::{FieldKind, SourceFieldInfo};

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn as_fields(form: &SettingsForm) -> Vec<(String, String)> {
        let mut out = vec![
            ("version".to_owned(), form.version.clone()),
            ("criteria.match".to_owned(), form.combinator.clone()),
            (
                "poll_interval_minutes".to_owned(),
                form.poll_interval.clone(),
            ),
        ];
        if form.create {
            out.push(("create".into(), "on".into()));
        }
        if form.update {
            out.push(("update".into(), "on".into()));
        }
        for (g, group) in form.groups.iter().enumerate() {
            out.push((
                format!("criteria.groups.{g}.match"),
                group.combinator.clone(),
            ));
            for (c, cond) in group.conditions.iter().enumerate() {
                let p = format!("criteria.groups.{g}.conditions.{c}");
                out.push((format!("{p}.field"), cond.field.clone()));
                out.push((format!("{p}.op"), cond.op.clone()));
                out.push((format!("{p}.value"), cond.value.clone()));
            }
        }
        for which in [Which::Primary, Which::Secondary] {
            for (i, pair) in form.pairs(which).iter().enumerate() {
                let p = format!("lookup.{}.{i}", which.as_str());
                out.push((format!("{p}.target"), pair.target.clone()));
                out.push((format!("{p}.source"), pair.source.source.clone()));
                out.push((format!("{p}.constant"), pair.source.constant.clone()));
            }
        }
        for (i, m) in form.mappings.iter().enumerate() {
            let p = format!("mappings.{i}");
            out.push((format!("{p}.target"), m.target.clone()));
            out.push((format!("{p}.source"), m.source.source.clone()));
            out.push((format!("{p}.constant"), m.source.constant.clone()));
            if m.trim {
                out.push((format!("{p}.trim"), "on".into()));
            }
            out.push((format!("{p}.case"), m.case.clone()));
            out.push((format!("{p}.default"), m.default_value.clone()));
            out.push((format!("{p}.value_map"), m.value_map.clone()));
        }
        out
    }

    #[test]
    fn the_defaults_survive_a_round_trip_through_the_form() {
        let mut settings = CONTACT.default_settings();
        settings.mappings[2].transforms = vec![
            Transform::Trim,
            Transform::Lower,
            Transform::ValueMap {
                entries: vec![ValueMapEntry {
                    from: "a".into(),
                    to: "b".into(),
                }],
                otherwise: Some("c".into()),
            },
            Transform::DefaultIfEmpty { value: "x".into() },
        ];
        let form = SettingsForm::from_settings(&settings, 7);
        let mut fields = as_fields(&form);
        fields.push(("action".into(), "save".into()));
        let (back, action) = SettingsForm::from_fields(&fields);
        assert_eq!(action, FormAction::Save);
        assert_eq!(back, form);
        assert_eq!(back.version(), Some(7));
        let parsed = back
            .parse(&CONTACT, &FieldCatalog::unavailable("not asked"))
            .unwrap();
        assert_eq!(parsed, settings);
    }

    #[test]
    fn rows_are_added_and_removed_by_buttons() {
        let (mut form, action) =
            SettingsForm::from_fields(&fields(&[("action", "add_condition.0"), ("version", "1")]));
        assert_eq!(action, FormAction::AddCondition(0));
        form.apply(action);
        assert_eq!(form.groups.len(), 1);
        form.apply(FormAction::AddCondition(0));
        form.apply(FormAction::AddGroup);
        assert_eq!(form.groups[0].conditions.len(), 2);
        form.apply(FormAction::RemoveCondition(1, 0));
        assert_eq!(form.groups.len(), 1, "a group without conditions goes");
        form.apply(FormAction::AddPair(Which::Secondary));
        form.apply(FormAction::RemovePair(Which::Secondary, 5));
        assert_eq!(form.secondary.len(), 1);
        assert_eq!(
            FormAction::parse("remove_pair.secondary.0"),
            FormAction::RemovePair(Which::Secondary, 0)
        );
        assert_eq!(FormAction::parse("remove_mapping.x"), FormAction::Refresh);
        assert_eq!(FormAction::parse(""), FormAction::Refresh);
        assert_eq!(FormAction::parse("save"), FormAction::Save);
    }

    #[test]
    fn sparse_indexes_are_compacted_in_order() {
        let (form, _) = SettingsForm::from_fields(&fields(&[
            ("mappings.5.target", "email"),
            ("mappings.2.target", "lastName"),
            ("mappings.999999.target", "x"),
        ]));
        let targets: Vec<&str> = form.mappings.iter().map(|m| m.target.as_str()).collect();
        assert_eq!(targets, ["lastName", "email"]);
    }

    #[test]
    fn unreadable_input_is_located_at_its_field() {
        let (form, _) = SettingsForm::from_fields(&fields(&[
            ("version", "3"),
            ("criteria.groups.0.conditions.0.field", "Email'--"),
            ("criteria.groups.0.conditions.0.op", "equals"),
            ("criteria.groups.0.conditions.1.field", ""),
            ("lookup.primary.0.target", "email"),
            ("lookup.primary.0.source", ""),
            ("mappings.0.target", "lastName"),
            ("mappings.0.source", "@field"),
            ("mappings.0.field", ""),
            ("mappings.0.value_map", "Web = Internet\nnonsense"),
            ("poll_interval_minutes", "soon"),
        ]));
        let problems = form
            .parse(&CONTACT, &FieldCatalog::unavailable("not asked"))
            .unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        for expected in [
            "criteria.groups.0.conditions.0.field",
            "criteria.groups.0.conditions.1.field",
            "lookup.primary.0.source",
            "mappings.0.source",
            "mappings.0.value_map",
            "poll_interval_minutes",
        ] {
            assert!(paths.contains(&expected), "{expected} in {paths:?}");
        }
    }

    #[test]
    fn with_a_field_list_operators_must_fit_the_type() {
        let catalog = FieldCatalog {
            fields: vec![
                SourceFieldInfo {
                    name: "Birthdate".into(),
                    label: "Birthdate".into(),
                    kind: FieldKind::Date,
                    salesforce_type: "date".into(),
                    picklist: vec![],
                },
                SourceFieldInfo {
                    name: "LastName".into(),
                    label: "Last Name".into(),
                    kind: FieldKind::Text,
                    salesforce_type: "string".into(),
                    picklist: vec![],
                },
            ],
            unavailable: None,
        };
        let mut form = SettingsForm::from_settings(&CONTACT.default_settings(), 1);
        form.groups.push(GroupInput {
            combinator: "all".into(),
            conditions: vec![
                ConditionInput {
                    field: "Birthdate".into(),
                    op: "contains".into(),
                    value: "19".into(),
                },
                ConditionInput {
                    field: "Birthdate".into(),
                    op: "less_than".into(),
                    value: "yesterday".into(),
                },
                ConditionInput {
                    field: "Nope__c".into(),
                    op: "is_empty".into(),
                    value: String::new(),
                },
            ],
        });
        form.mappings.truncate(2);
        let problems = form.parse(&CONTACT, &catalog).unwrap_err();
        let at = |p: &str| {
            problems
                .iter()
                .find(|x| x.path == p)
                .map(|x| x.message.clone())
        };
        assert!(
            at("criteria.groups.0.conditions.0.op").is_some(),
            "{problems:?}"
        );
        assert!(
            at("criteria.groups.0.conditions.1.value").is_some(),
            "{problems:?}"
        );
        assert!(
            at("criteria.groups.0.conditions.2.field").is_some(),
            "{problems:?}"
        );
        // FirstName is not in this (short) field list.
        assert!(at("mappings.0.source").is_some(), "{problems:?}");
    }
}
