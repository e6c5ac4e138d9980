//! Which statements read a stored table whole, by SQLite's own plan (`EXPLAIN QUERY PLAN`).
//! A full scan reads every family's rows in the county on each run: the request grows with
//! the county and, at national scale, can stall the service.
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::collections::{BTreeMap, BTreeSet};

/// A scan the service means to make, told by the table and a piece of the statement.
pub struct Allowed {
    pub table: &'static str,
    /// Found in the statement's SQL; `""` allows every scan of the table.
    pub statement: &'static str,
    /// Why reading the table whole is right here.
    pub why: &'static str,
}

/// The scans the service means to make.
pub const MEANT: [Allowed; 6] = [
    Allowed {
        table: "organisations",
        statement: "",
        why: "the county's partner organisations: tens, at most hundreds",
    },
    Allowed {
        table: "questions",
        statement: "",
        why: "a questionnaire's questions",
    },
    Allowed {
        table: "local_services",
        statement: "",
        why: "the directory (hundreds of entries), searched by words anywhere in an entry, \
              which no index serves",
    },
    Allowed {
        table: "families",
        statement: r#"FROM "families" ORDER BY "families"."id" ASC LIMIT"#,
        why: "a page of every family, read in the order of the key: it stops at the page's end",
    },
    Allowed {
        table: "outcomes",
        statement: r#"IN (SELECT "families"."id" FROM "families""#,
        why: "the evaluation report counts the outcomes of every family of the county or area",
    },
    Allowed {
        table: "follow_ups",
        statement: r#"IN (SELECT "families"."id" FROM "families""#,
        why: "the evaluation report counts the follow-ups of every family of the county or area",
    },
];

/// The statements (each once) whose plan scans a stored table, except the scans the service
/// means to make ([`MEANT`]), with the tables scanned. `db` must be the SQLite database the
/// statements were run on. Parameters are left unbound (SQLite reads them as NULL): a plan
/// does not depend on them. A scan of a partial index reads only the rows it holds (a queue,
/// say), so it is not one. `INSERT … VALUES` is left out: the only scans in its plan are
/// SQLite's checks of deferred foreign keys, which run only while a deferred constraint is
/// violated (never, here).
pub async fn full_scans(
    db: &DatabaseConnection,
    statements: &[String],
) -> BTreeMap<String, BTreeSet<String>> {
    let tables = names(db, "type = 'table'").await;
    let partial_indexes = names(db, "type = 'index' AND sql LIKE '% WHERE %'").await;
    let distinct: BTreeSet<&String> = statements
        .iter()
        .filter(|sql| !(sql.starts_with("INSERT") && sql.contains(" VALUES ")))
        .collect();
    let mut found = BTreeMap::new();
    for sql in distinct {
        let steps = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!("EXPLAIN QUERY PLAN {sql}"),
            ))
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
        let aliases = aliases(sql);
        let scanned: BTreeSet<String> = steps
            .iter()
            .map(|row| row.try_get::<String>("", "detail").expect("a step"))
            .filter_map(|step| {
                let words: Vec<&str> = step.strip_prefix("SCAN ")?.split(' ').collect();
                let through_partial_index = words.len() > 2
                    && words[words.len() - 2] == "INDEX"
                    && partial_indexes.contains(words[words.len() - 1]);
                let target = words[0].to_owned();
                let table = aliases.get(&target).cloned().unwrap_or(target);
                let meant = MEANT
                    .iter()
                    .any(|a| a.table == table && sql.contains(a.statement));
                (tables.contains(&table) && !through_partial_index && !meant).then_some(table)
            })
            .collect();
        if !scanned.is_empty() {
            found.insert(sql.clone(), scanned);
        }
    }
    found
}

/// The names of the schema's objects that match `condition` (on `sqlite_master`).
async fn names(db: &DatabaseConnection, condition: &str) -> BTreeSet<String> {
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        format!("SELECT name FROM sqlite_master WHERE {condition}"),
    ))
    .await
    .expect("the schema")
    .iter()
    .map(|row| row.try_get::<String>("", "name").expect("a name"))
    .collect()
}

/// `alias → table` for each `FROM table [AS] alias` and `JOIN table [AS] alias` of `sql` (an
/// alias given twice names the last table; the statements here give each once).
fn aliases(sql: &str) -> BTreeMap<String, String> {
    let words: Vec<String> = sql
        .split(|c: char| c.is_whitespace() || "(),;".contains(c))
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches(|c| c == '"' || c == '`').to_owned())
        .collect();
    let mut aliases = BTreeMap::new();
    for (i, word) in words.iter().enumerate() {
        if !(word.eq_ignore_ascii_case("FROM") || word.eq_ignore_ascii_case("JOIN")) {
            continue;
        }
        let (Some(table), Some(next)) = (words.get(i + 1), words.get(i + 2)) else {
            continue;
        };
        let alias = if next.eq_ignore_ascii_case("AS") {
            words.get(i + 3)
        } else {
            Some(next)
        };
        if let Some(alias) = alias {
            aliases.insert(alias.clone(), table.clone());
        }
    }
    aliases
}

#[cfg(test)]
mod tests {
    use super::aliases;

    #[test]
    fn aliases_are_read_from_from_and_join() {
        let found = aliases(
            r#"SELECT 1 FROM "consents" AS "c" JOIN members m ON m.id = c.member_id WHERE x IN (SELECT id FROM plans p)"#,
        );
        assert_eq!(found.get("c").map(String::as_str), Some("consents"));
        assert_eq!(found.get("m").map(String::as_str), Some("members"));
        assert_eq!(found.get("p").map(String::as_str), Some("plans"));
    }
}
