//! Evaluates a parsed query over one table, with Oracle semantics where they matter to a
//! sync: three-valued logic for NULL, NULLs last when sorting ascending, the empty string is
//! NULL, implicit string-to-number and string-to-date conversion in comparisons.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::datefmt;
use super::parser::{ArithOp, CmpOp, Expr, Literal, OrderItem, Query, SelectItem};
use super::{EvalContext, ResultSet, SqlError, SqlValue, Table};

pub fn execute(query: &Query, table: &Table, ctx: &EvalContext) -> Result<ResultSet, SqlError> {
    let eval = Evaluator::new(query, table, ctx);
    let outputs = eval.outputs(query)?;
    for (_, expr) in &outputs {
        eval.check_value(expr)?;
    }
    if let Some(filter) = &query.filter {
        eval.check_condition(filter)?;
    }
    let order = eval.order_keys(&query.order_by, &outputs)?;
    for (expr, _) in &order {
        eval.check_value(expr)?;
    }

    let mut selected = Vec::new();
    for row in &table.rows {
        let keep = match &query.filter {
            Some(filter) => eval.truth(filter, row)? == Some(true),
            None => true,
        };
        if keep {
            let keys = order
                .iter()
                .map(|(expr, _)| eval.value(expr, row))
                .collect::<Result<Vec<_>, _>>()?;
            let values = outputs
                .iter()
                .map(|(_, expr)| eval.value(expr, row))
                .collect::<Result<Vec<_>, _>>()?;
            selected.push((keys, values));
        }
    }

    let sort_error: RefCell<Option<SqlError>> = RefCell::new(None);
    selected.sort_by(|(a, _), (b, _)| {
        for ((item, a), b) in order.iter().map(|(_, item)| item).zip(a).zip(b) {
            let nulls_first = item.nulls_first.unwrap_or(item.descending);
            let ord = match (a, b) {
                (SqlValue::Null, SqlValue::Null) => Ordering::Equal,
                (SqlValue::Null, _) => {
                    if nulls_first {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    }
                }
                (_, SqlValue::Null) => {
                    if nulls_first {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    }
                }
                _ => match eval.compare(a, b) {
                    Ok(Some(ord)) => {
                        if item.descending {
                            ord.reverse()
                        } else {
                            ord
                        }
                    }
                    Ok(None) => Ordering::Equal,
                    Err(e) => {
                        sort_error.borrow_mut().get_or_insert(e);
                        Ordering::Equal
                    }
                },
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
    if let Some(err) = sort_error.into_inner() {
        return Err(err);
    }

    Ok(ResultSet {
        columns: outputs.into_iter().map(|(name, _)| name).collect(),
        rows: selected.into_iter().map(|(_, values)| values).collect(),
    })
}

struct Evaluator<'a> {
    table: &'a Table,
    alias: Option<&'a str>,
    index: HashMap<&'a str, usize>,
    ctx: &'a EvalContext,
}

impl<'a> Evaluator<'a> {
    fn new(query: &'a Query, table: &'a Table, ctx: &'a EvalContext) -> Self {
        let index = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        Self {
            table,
            alias: query.alias.as_deref(),
            index,
            ctx,
        }
    }

    /// Output column names and expressions, `*` expanded.
    fn outputs(&self, query: &Query) -> Result<Vec<(String, Expr)>, SqlError> {
        let mut outputs = Vec::new();
        let mut unnamed = 0;
        for item in &query.items {
            match item {
                SelectItem::All => {
                    for column in &self.table.columns {
                        outputs.push((
                            column.clone(),
                            Expr::Column {
                                qualifier: None,
                                name: column.clone(),
                            },
                        ));
                    }
                }
                SelectItem::Expr { expr, alias } => {
                    let name = match (alias, expr) {
                        (Some(alias), _) => alias.to_lowercase(),
                        (None, Expr::Column { name, .. }) => name.to_lowercase(),
                        (None, _) => {
                            unnamed += 1;
                            format!("expr{unnamed}")
                        }
                    };
                    outputs.push((name, expr.clone()));
                }
            }
        }
        Ok(outputs)
    }

    /// ORDER BY items may name a select alias or a 1-based select position.
    fn order_keys(
        &self,
        items: &'a [OrderItem],
        outputs: &[(String, Expr)],
    ) -> Result<Vec<(Expr, &'a OrderItem)>, SqlError> {
        items
            .iter()
            .map(|item| {
                let expr = match &item.expr {
                    Expr::Column {
                        qualifier: None,
                        name,
                    } if !self.index.contains_key(name.as_str()) => outputs
                        .iter()
                        .find(|(out, _)| out == name)
                        .map(|(_, e)| e.clone())
                        .unwrap_or_else(|| item.expr.clone()),
                    Expr::Literal(Literal::Number(n)) => {
                        let position = *n as usize;
                        if n.fract() != 0.0 || position == 0 || position > outputs.len() {
                            return Err(SqlError::Semantic(format!(
                                "ORDER BY item {n} is not a position in the select list"
                            )));
                        }
                        outputs[position - 1].1.clone()
                    }
                    other => other.clone(),
                };
                Ok((expr, item))
            })
            .collect()
    }

    fn column_index(&self, qualifier: Option<&str>, name: &str) -> Result<usize, SqlError> {
        if let Some(q) = qualifier
            && q != self.table.name
            && Some(q) != self.alias
        {
            return Err(SqlError::Semantic(format!(
                "Unknown identifier '{q}'. Only the table {} is in the FROM clause.",
                self.table.name
            )));
        }
        self.index.get(name).copied().ok_or_else(|| {
            SqlError::Semantic(format!(
                "Field '{name}' for record '{}' was not found. Reason: NOT_EXPOSED - Not available \
                 for channel SEARCH",
                self.table.name
            ))
        })
    }

    fn check_value(&self, expr: &Expr) -> Result<(), SqlError> {
        match expr {
            Expr::Column { qualifier, name } => {
                self.column_index(qualifier.as_deref(), name).map(|_| ())
            }
            Expr::Literal(_) | Expr::SysDate => Ok(()),
            Expr::Function { name, args } => {
                let (min, max) = match name.as_str() {
                    "upper" | "lower" | "trim" | "length" => (1, 1),
                    "to_char" | "to_date" => (1, 2),
                    "nvl" => (2, 2),
                    other => {
                        return Err(SqlError::Semantic(format!(
                            "Unknown function {}",
                            other.to_uppercase()
                        )));
                    }
                };
                if args.len() < min || args.len() > max {
                    return Err(SqlError::Semantic(format!(
                        "wrong number or types of arguments in call to {}",
                        name.to_uppercase()
                    )));
                }
                args.iter().try_for_each(|a| self.check_value(a))
            }
            Expr::Negate(inner) => self.check_value(inner),
            Expr::Arith { left, right, .. } => {
                self.check_value(left)?;
                self.check_value(right)
            }
            _ => Err(SqlError::Semantic(
                "a condition is not allowed where a value is expected".into(),
            )),
        }
    }

    fn check_condition(&self, expr: &Expr) -> Result<(), SqlError> {
        match expr {
            Expr::Compare { left, right, .. }
            | Expr::Like {
                expr: left,
                pattern: right,
                ..
            } => {
                self.check_value(left)?;
                self.check_value(right)
            }
            Expr::InList { expr, list, .. } => {
                self.check_value(expr)?;
                list.iter().try_for_each(|e| self.check_value(e))
            }
            Expr::IsNull { expr, .. } => self.check_value(expr),
            Expr::Between {
                expr, low, high, ..
            } => {
                self.check_value(expr)?;
                self.check_value(low)?;
                self.check_value(high)
            }
            Expr::And(a, b) | Expr::Or(a, b) => {
                self.check_condition(a)?;
                self.check_condition(b)
            }
            Expr::Not(inner) => self.check_condition(inner),
            _ => Err(SqlError::Semantic(
                "a condition is expected in WHERE".into(),
            )),
        }
    }

    fn truth(&self, expr: &Expr, row: &[SqlValue]) -> Result<Option<bool>, SqlError> {
        Ok(match expr {
            Expr::Compare { op, left, right } => {
                let ord = self.compare(&self.value(left, row)?, &self.value(right, row)?)?;
                ord.map(|o| match op {
                    CmpOp::Eq => o == Ordering::Equal,
                    CmpOp::NotEq => o != Ordering::Equal,
                    CmpOp::Lt => o == Ordering::Less,
                    CmpOp::Le => o != Ordering::Greater,
                    CmpOp::Gt => o == Ordering::Greater,
                    CmpOp::Ge => o != Ordering::Less,
                })
            }
            Expr::Like {
                expr,
                pattern,
                negated,
            } => {
                let text = self.text(&self.value(expr, row)?);
                let pattern = self.text(&self.value(pattern, row)?);
                match (text, pattern) {
                    (Some(t), Some(p)) => Some(like(&t, &p) != *negated),
                    _ => None,
                }
            }
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let needle = self.value(expr, row)?;
                let mut saw_null = matches!(needle, SqlValue::Null);
                let mut found = false;
                if !saw_null {
                    for candidate in list {
                        match self.compare(&needle, &self.value(candidate, row)?)? {
                            Some(Ordering::Equal) => {
                                found = true;
                                break;
                            }
                            Some(_) => {}
                            None => saw_null = true,
                        }
                    }
                }
                if found {
                    Some(!*negated)
                } else if saw_null {
                    None
                } else {
                    Some(*negated)
                }
            }
            Expr::IsNull { expr, negated } => {
                Some(matches!(self.value(expr, row)?, SqlValue::Null) != *negated)
            }
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => {
                let v = self.value(expr, row)?;
                let lo = self.compare(&v, &self.value(low, row)?)?;
                let hi = self.compare(&v, &self.value(high, row)?)?;
                let inside = and3(
                    lo.map(|o| o != Ordering::Less),
                    hi.map(|o| o != Ordering::Greater),
                );
                inside.map(|b| b != *negated)
            }
            Expr::And(a, b) => {
                let left = self.truth(a, row)?;
                if left == Some(false) {
                    Some(false)
                } else {
                    and3(left, self.truth(b, row)?)
                }
            }
            Expr::Or(a, b) => {
                let left = self.truth(a, row)?;
                if left == Some(true) {
                    Some(true)
                } else {
                    match (left, self.truth(b, row)?) {
                        (_, Some(true)) => Some(true),
                        (Some(false), Some(false)) => Some(false),
                        _ => None,
                    }
                }
            }
            Expr::Not(inner) => self.truth(inner, row)?.map(|b| !b),
            _ => {
                return Err(SqlError::Semantic(
                    "a condition is expected in WHERE".into(),
                ));
            }
        })
    }

    fn value(&self, expr: &Expr, row: &[SqlValue]) -> Result<SqlValue, SqlError> {
        Ok(match expr {
            Expr::Column { qualifier, name } => {
                let idx = self.column_index(qualifier.as_deref(), name)?;
                row.get(idx).cloned().unwrap_or(SqlValue::Null)
            }
            Expr::Literal(Literal::Str(s)) => SqlValue::Text(s.clone()),
            Expr::Literal(Literal::Number(n)) => SqlValue::Number(*n),
            Expr::Literal(Literal::Null) => SqlValue::Null,
            Expr::SysDate => SqlValue::Date(self.ctx.now),
            Expr::Negate(inner) => match self.value(inner, row)? {
                SqlValue::Null => SqlValue::Null,
                other => SqlValue::Number(-self.number(&other)?),
            },
            Expr::Arith { op, left, right } => {
                self.arith(*op, self.value(left, row)?, self.value(right, row)?)?
            }
            Expr::Function { name, args } => {
                let values = args
                    .iter()
                    .map(|a| self.value(a, row))
                    .collect::<Result<Vec<_>, _>>()?;
                self.function(name, values)?
            }
            _ => {
                return Err(SqlError::Semantic(
                    "a condition is not allowed where a value is expected".into(),
                ));
            }
        })
    }

    fn function(&self, name: &str, args: Vec<SqlValue>) -> Result<SqlValue, SqlError> {
        let mut args = args.into_iter();
        let first = args.next().unwrap_or(SqlValue::Null);
        let second = args.next();
        let text_result = |s: Option<String>| match s {
            Some(s) if !s.is_empty() => SqlValue::Text(s),
            _ => SqlValue::Null,
        };
        Ok(match name {
            "upper" => text_result(self.text(&first).map(|s| s.to_uppercase())),
            "lower" => text_result(self.text(&first).map(|s| s.to_lowercase())),
            "trim" => text_result(self.text(&first).map(|s| s.trim().to_string())),
            "length" => match self.text(&first) {
                Some(s) => SqlValue::Number(s.chars().count() as f64),
                None => SqlValue::Null,
            },
            "nvl" => match first {
                SqlValue::Null => second.unwrap_or(SqlValue::Null),
                other => other,
            },
            "to_char" => match (&first, second) {
                (SqlValue::Null, _) => SqlValue::Null,
                (SqlValue::Date(at), Some(SqlValue::Text(model))) => {
                    let items = datefmt::parse_format(&model).map_err(SqlError::Semantic)?;
                    text_result(Some(datefmt::format(at, &items)))
                }
                (_, Some(SqlValue::Null)) => SqlValue::Null,
                (SqlValue::Date(_), Some(_)) => {
                    return Err(SqlError::Semantic("TO_CHAR format must be a string".into()));
                }
                (other, _) => text_result(self.text(other)),
            },
            "to_date" => {
                let Some(text) = self.text(&first) else {
                    return Ok(SqlValue::Null);
                };
                if let SqlValue::Date(_) = first {
                    return Ok(first);
                }
                let items = match second {
                    Some(SqlValue::Text(model)) => {
                        datefmt::parse_format(&model).map_err(SqlError::Semantic)?
                    }
                    Some(SqlValue::Null) => return Ok(SqlValue::Null),
                    Some(_) => {
                        return Err(SqlError::Semantic("TO_DATE format must be a string".into()));
                    }
                    None => self.ctx.date_format.clone(),
                };
                SqlValue::Date(datefmt::parse_date(&text, &items).map_err(SqlError::Semantic)?)
            }
            other => {
                return Err(SqlError::Semantic(format!(
                    "Unknown function {}",
                    other.to_uppercase()
                )));
            }
        })
    }

    fn arith(&self, op: ArithOp, a: SqlValue, b: SqlValue) -> Result<SqlValue, SqlError> {
        if op == ArithOp::Concat {
            let joined = format!(
                "{}{}",
                self.text(&a).unwrap_or_default(),
                self.text(&b).unwrap_or_default()
            );
            return Ok(if joined.is_empty() {
                SqlValue::Null
            } else {
                SqlValue::Text(joined)
            });
        }
        if matches!(a, SqlValue::Null) || matches!(b, SqlValue::Null) {
            return Ok(SqlValue::Null);
        }
        // Date arithmetic in days, refusing results outside the representable range instead
        // of overflowing.
        let shift = |d: &DateTime<Utc>, days: f64| -> Result<SqlValue, SqlError> {
            let out_of_range = || SqlError::Semantic("date arithmetic is out of range".into());
            let ms = days * 86_400_000.0;
            if !ms.is_finite() || ms.abs() > 1e17 {
                return Err(out_of_range());
            }
            Duration::try_milliseconds(ms as i64)
                .and_then(|delta| d.checked_add_signed(delta))
                .map(SqlValue::Date)
                .ok_or_else(out_of_range)
        };
        Ok(match (op, &a, &b) {
            (ArithOp::Add, SqlValue::Date(d), other) | (ArithOp::Add, other, SqlValue::Date(d)) => {
                shift(d, self.number(other)?)?
            }
            (ArithOp::Sub, SqlValue::Date(x), SqlValue::Date(y)) => {
                SqlValue::Number((*x - *y).num_milliseconds() as f64 / 86_400_000.0)
            }
            (ArithOp::Sub, SqlValue::Date(d), other) => shift(d, -self.number(other)?)?,
            _ => {
                let (x, y) = (self.number(&a)?, self.number(&b)?);
                SqlValue::Number(match op {
                    ArithOp::Add => x + y,
                    ArithOp::Sub => x - y,
                    ArithOp::Mul => x * y,
                    ArithOp::Div if y == 0.0 => {
                        return Err(SqlError::Semantic("divisor is equal to zero".into()));
                    }
                    ArithOp::Div => x / y,
                    ArithOp::Concat => x,
                })
            }
        })
    }

    fn number(&self, v: &SqlValue) -> Result<f64, SqlError> {
        match v {
            SqlValue::Number(n) => Ok(*n),
            SqlValue::Text(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| SqlError::Semantic(format!("invalid number '{s}'"))),
            SqlValue::Date(_) => Err(SqlError::Semantic(
                "inconsistent datatypes: expected NUMBER got DATE".into(),
            )),
            SqlValue::Null => Ok(0.0),
        }
    }

    /// A value as text, the way Oracle converts implicitly.
    fn text(&self, v: &SqlValue) -> Option<String> {
        v.render(&self.ctx.date_format)
    }

    /// Compares two values; `None` when either is NULL.
    fn compare(&self, a: &SqlValue, b: &SqlValue) -> Result<Option<Ordering>, SqlError> {
        let date_of = |s: &str| {
            datefmt::parse_implicit(s, &self.ctx.date_format).ok_or_else(|| {
                SqlError::Semantic(format!("literal '{s}' does not match format string"))
            })
        };
        Ok(match (a, b) {
            (SqlValue::Null, _) | (_, SqlValue::Null) => None,
            (SqlValue::Text(x), SqlValue::Text(y)) => Some(x.cmp(y)),
            (SqlValue::Number(x), SqlValue::Number(y)) => x.partial_cmp(y),
            (SqlValue::Number(x), SqlValue::Text(_)) => x.partial_cmp(&self.number(b)?),
            (SqlValue::Text(_), SqlValue::Number(y)) => self.number(a)?.partial_cmp(y),
            (SqlValue::Date(x), SqlValue::Date(y)) => Some(x.cmp(y)),
            (SqlValue::Date(x), SqlValue::Text(s)) => Some(x.cmp(&date_of(s)?)),
            (SqlValue::Text(s), SqlValue::Date(y)) => Some(date_of(s)?.cmp(y)),
            (SqlValue::Date(_), SqlValue::Number(_)) | (SqlValue::Number(_), SqlValue::Date(_)) => {
                return Err(SqlError::Semantic(
                    "inconsistent datatypes: expected DATE got NUMBER".into(),
                ));
            }
        })
    }
}

fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// SQL LIKE with `%` and `_`, case-sensitive, in O(n·m) without recursion.
pub fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '_' || (p[pi] != '%' && p[pi] == t[ti])) {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_handles_percent_and_underscore() {
        assert!(like("Lovelace", "Love%"));
        assert!(like("Lovelace", "%lace"));
        assert!(like("Lovelace", "L_velace"));
        assert!(like("Lovelace", "%"));
        assert!(!like("Lovelace", "love%"));
        assert!(!like("Lovelace", "L_ve"));
        assert!(like("", "%"));
        assert!(like("a%b", "a%b"));
        assert!(!like(&"a".repeat(2000), &format!("{}b", "%a".repeat(50))));
    }
}
