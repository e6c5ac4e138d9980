//! Which statements read a stored table whole, by SQLite's own plan (`EXPLAIN QUERY PLAN`).
//! A full scan reads every family's rows in the county on each run: the request grows with
//! the county and, at national scale, can stall the service. On PostgreSQL, also which
//! unions have a branch planned as a subquery of its own: set up again on every run.
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::collections::{BTreeMap, BTreeSet};

/// A scan the service means to make, told by the table and a piece of the statement.
pub struct Allowed {
    /// `""`: any table the statement reads.
    pub table: &'static str,
    /// Found in the statement's SQL; `""` allows every scan of the table.
    pub statement: &'static str,
    /// Why reading the table whole is right here.
    pub why: &'static str,
}

/// The scans the service means to make.
pub const MEANT: [Allowed; 7] = [
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
        table: "",
        statement: r#"IN (SELECT "families"."id" FROM "families")"#,
        why: "the evaluation report over the whole county counts every family's rows",
    },
    Allowed {
        table: "outcomes",
        statement: r#"IN (SELECT "families"."id" FROM "families" WHERE"#,
        why: "the evaluation report counts the outcomes of every family of an area",
    },
    Allowed {
        table: "follow_ups",
        statement: r#"IN (SELECT "families"."id" FROM "families" WHERE"#,
        why: "the evaluation report counts the follow-ups of every family of an area",
    },
];

impl Allowed {
    /// Whether this is the scan of `table` by `sql` that is meant.
    fn covers(&self, table: &str, sql: &str) -> bool {
        (self.table.is_empty() || self.table == table) && sql.contains(self.statement)
    }
}

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
    let mut found = BTreeMap::new();
    for sql in to_check(statements) {
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
                let meant = MEANT.iter().any(|a| a.covers(&table, sql));
                (tables.contains(&table) && !through_partial_index && !meant).then_some(table)
            })
            .collect();
        if !scanned.is_empty() {
            found.insert(sql.clone(), scanned);
        }
    }
    found
}

/// The same check on PostgreSQL: each statement prepared and explained with its generic plan
/// (the one a prepared statement settles on, whatever its values) and sequential scans
/// disabled, so that a `Seq Scan` left in the plan is one no index can replace (on a test's
/// few rows PostgreSQL would otherwise scan every table). Catches what SQLite's plans cannot:
/// statements written for PostgreSQL alone, and comparisons an index cannot serve there (a
/// cast on the column, say). Statements PostgreSQL cannot prepare or explain this way (their
/// parameters' types unknown alone, say) are skipped. A `UNION` whose branches are not all
/// planned as one (a branch set up as a subquery of its own on every run) is reported too.
pub async fn full_scans_postgres(
    db: &DatabaseConnection,
    statements: &[String],
) -> BTreeMap<String, BTreeSet<String>> {
    use sea_orm::TransactionTrait;
    let backend = db.get_database_backend();
    let run = |sql: String| Statement::from_string(backend, sql);
    let partial_indexes: BTreeSet<String> = db
        .query_all_raw(run(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '% WHERE %'".into(),
        ))
        .await
        .expect("the indexes")
        .iter()
        .map(|row| row.try_get::<String>("", "indexname").expect("a name"))
        .collect();
    let tx = db.begin().await.expect("a transaction");
    tx.execute_unprepared("SET LOCAL enable_seqscan = off")
        .await
        .unwrap();
    tx.execute_unprepared("SET LOCAL plan_cache_mode = force_generic_plan")
        .await
        .unwrap();
    let mut found = BTreeMap::new();
    for sql in to_check(statements) {
        tx.execute_unprepared("SAVEPOINT plan").await.unwrap();
        if tx
            .execute_raw(run(format!("PREPARE plan_check AS {sql}")))
            .await
            .is_err()
        {
            tx.execute_unprepared("ROLLBACK TO SAVEPOINT plan")
                .await
                .unwrap();
            continue;
        }
        let nulls = vec!["NULL"; parameters(sql)].join(", ");
        let execute = if nulls.is_empty() {
            "EXECUTE plan_check".to_owned()
        } else {
            format!("EXECUTE plan_check({nulls})")
        };
        let Ok(plan) = tx.query_all_raw(run(format!("EXPLAIN {execute}"))).await else {
            // Not this check's to judge (a `$` in a literal, say, miscounts the parameters).
            tx.execute_unprepared("ROLLBACK TO SAVEPOINT plan")
                .await
                .unwrap();
            continue;
        };
        let lines: Vec<String> = plan
            .iter()
            .map(|row| row.try_get::<String>("", "QUERY PLAN").expect("a line"))
            .collect();
        tx.execute_unprepared("DEALLOCATE plan_check")
            .await
            .unwrap();
        tx.execute_unprepared("RELEASE SAVEPOINT plan")
            .await
            .unwrap();
        let mut scanned: BTreeSet<String> = whole_table_reads(&lines, &partial_indexes)
            .into_iter()
            .filter(|table| !MEANT.iter().any(|a| a.covers(table, sql)))
            .collect();
        if lines.iter().any(|line| line.contains(BRANCH_APART)) {
            scanned.insert(format!("({BRANCH_APART}…: {UNION_BRANCH_APART})"));
        }
        if !scanned.is_empty() {
            found.insert(sql.clone(), scanned);
        }
    }
    let _ = tx.rollback().await;
    found
}

/// How PostgreSQL's plan names a branch of a `UNION` planned as a subquery of its own.
const BRANCH_APART: &str = r#"Subquery Scan on "*SELECT*"#;

/// Why that is reported beside the scans.
const UNION_BRANCH_APART: &str = "a branch of the union planned as a subquery of its own, set \
    up on every run: its columns' types differ from the union's (cast them, as \
    `domain::union` does)";

/// The tables a PostgreSQL plan (`EXPLAIN`, text) reads whole: a `Seq Scan`, or an index
/// scan with no `Index Cond` (every entry of the index, in its order) unless the index is
/// partial (it holds a queue's rows only).
fn whole_table_reads(lines: &[String], partial_indexes: &BTreeSet<String>) -> Vec<String> {
    // A plan node is a line with `->` (or the first line) and the detail lines under it.
    let mut nodes: Vec<(&str, bool)> = vec![];
    for line in lines {
        if nodes.is_empty() || line.contains("->") {
            nodes.push((line, false));
        } else if line.trim_start().starts_with("Index Cond:")
            && let Some(node) = nodes.last_mut()
        {
            node.1 = true;
        }
    }
    let first_word = |text: &str| text.split(' ').next().map(str::to_owned);
    nodes
        .into_iter()
        .filter_map(|(node, has_condition)| {
            if let Some((_, scanned)) = node.split_once("Seq Scan on ") {
                return first_word(scanned);
            }
            let indexed =
                node.contains("Index Scan using ") || node.contains("Index Only Scan using ");
            if !indexed || has_condition {
                return None;
            }
            // `… using index_name on table alias`
            let (_, using) = node.split_once(" using ")?;
            let (index, on) = using.split_once(" on ")?;
            if partial_indexes.contains(index) {
                return None;
            }
            first_word(on)
        })
        .collect()
}

/// The statements to explain, each once: all but `INSERT … VALUES`, whose plans' only scans
/// are the databases' checks of deferred foreign keys (run only while one is violated: never,
/// here).
fn to_check(statements: &[String]) -> BTreeSet<&String> {
    statements
        .iter()
        .filter(|sql| !(sql.starts_with("INSERT") && sql.contains(" VALUES ")))
        .collect()
}

/// How many parameters (`$1` … `$n`) a PostgreSQL statement has: the highest number.
fn parameters(sql: &str) -> usize {
    sql.split('$')
        .skip(1)
        .filter_map(|after| {
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<usize>().ok()
        })
        .max()
        .unwrap_or(0)
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
    use super::{aliases, parameters, whole_table_reads};

    #[test]
    fn postgres_plans_tell_whole_reads_from_lookups() {
        let plan: Vec<String> = [
            "Nested Loop  (cost=0.30..16.35 rows=1 width=16)",
            "  ->  Index Scan using ix_a_family on a  (cost=0.15..8.17 rows=1 width=16)",
            "        Index Cond: (family_id = $1)",
            "  ->  Index Scan using b_pkey on b x  (cost=0.15..8.17 rows=1 width=16)",
            "        Filter: (x.subject = a.id)",
            "  ->  Seq Scan on c  (cost=10000000000.00..10000000001.00 rows=1 width=16)",
            "  ->  Index Only Scan using ix_queue on d  (cost=0.12..8.14 rows=1 width=16)",
        ]
        .map(String::from)
        .to_vec();
        let partial = ["ix_queue".to_owned()].into();
        assert_eq!(whole_table_reads(&plan, &partial), ["b", "c"]);
    }

    #[test]
    fn parameters_are_counted_by_the_highest_number() {
        assert_eq!(parameters("SELECT $1, $12 FROM t WHERE a = $3"), 12);
        assert_eq!(parameters("SELECT 1"), 0);
    }

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
