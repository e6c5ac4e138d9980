//! CollectFields (the spec's section 6.3.2) over a document, with the request's variables:
//! the response keys of each selection set, in order, for [`super::Order`].
use super::{Keys, Types};
use crate::graphql::types::named_type;
use async_graphql::parser::types::{
    Directive, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Value, Variables};
use std::cell::Cell;
use std::collections::HashSet;

/// How many selections the order may walk. It is read before validation; `graphql::limits`
/// has already refused documents that expand past `MAX_FIELDS` or nest past `MAX_NESTING`,
/// but an interface or union position is walked once for each type its fragments name, so
/// the walk keeps its own bound. Past it the answer keeps async-graphql's order.
const BUDGET: usize = 4 * crate::graphql::MAX_COMPLEXITY;

/// The keys of `operation` (whose root type is `root`), and whether they depend on the
/// variables' values; `None` past the budget.
pub(super) fn keys(
    types: &Types,
    document: &ExecutableDocument,
    operation: &OperationDefinition,
    variables: &Variables,
    root: &str,
) -> Option<(Keys, bool)> {
    let collect = Collect {
        document,
        types,
        operation,
        variables,
        budget: Cell::new(BUDGET),
        by_variables: Cell::new(false),
    };
    let keys = collect.keys(&[&operation.selection_set.node], root);
    let by_variables = collect.by_variables.get();
    (collect.budget.get() > 0).then_some((keys, by_variables))
}

/// The walk: the document, the schema's types and the request's variables.
struct Collect<'a> {
    document: &'a ExecutableDocument,
    types: &'a Types,
    operation: &'a OperationDefinition,
    variables: &'a Variables,
    /// Selections left to walk (see [`BUDGET`]).
    budget: Cell<usize>,
    /// A directive's condition was a variable.
    by_variables: Cell<bool>,
}

/// The fields answering as one response key: their type and their selection sets.
struct Grouped<'a> {
    key: &'a Name,
    ty: Option<&'a str>,
    sets: Vec<&'a SelectionSet>,
}

impl<'a> Collect<'a> {
    /// Takes one selection from the budget; false once it is spent.
    fn spend(&self) -> bool {
        let left = self.budget.get();
        self.budget.set(left.saturating_sub(1));
        left > 0
    }

    /// The keys of `sets` merged (the sub-selections of every field answering as one key)
    /// at a position of type `parent`.
    fn keys(&self, sets: &[&'a SelectionSet], parent: &str) -> Keys {
        let mut by_type: Vec<(Vec<String>, Keys)> = vec![];
        let mut conditions = vec![];
        let mut visited = HashSet::new();
        for set in sets {
            self.conditions(set, parent, &mut conditions, &mut visited);
        }
        if let (false, Some(possible)) = (conditions.is_empty(), self.types.possible(parent)) {
            let named = |ty: &&String| {
                let applies = |c: &&str| self.types.applies(c, ty) == Some(true);
                conditions.iter().any(applies)
            };
            for ty in possible.iter().filter(named) {
                let keys = self.fields(sets, ty, ty);
                match by_type.iter_mut().find(|(_, k)| *k == keys) {
                    Some((types, _)) => types.push(ty.clone()),
                    None => by_type.push((vec![ty.clone()], keys)),
                }
            }
        }
        Keys {
            by_type,
            ..self.fields(sets, parent, parent)
        }
    }

    /// The keys of `sets` at a position of type `position`, looked up on `scope`.
    fn fields(&self, sets: &[&'a SelectionSet], position: &str, scope: &str) -> Keys {
        let mut grouped: Vec<Grouped<'a>> = vec![];
        let mut visited = HashSet::new();
        for set in sets {
            self.collect(set, position, scope, &mut grouped, &mut visited);
        }
        let fields = grouped
            .into_iter()
            .map(|group| {
                let inner = if group.sets.iter().all(|s| s.items.is_empty()) {
                    Keys::default()
                } else {
                    let named = group.ty.map(named_type).unwrap_or_default();
                    self.keys(&group.sets, &named)
                };
                (group.key.clone(), inner)
            })
            .collect();
        Keys {
            fields,
            by_type: vec![],
        }
    }

    /// The type conditions in `set`'s fragments (at any depth of fragments) other than
    /// `position` itself.
    fn conditions(
        &self,
        set: &'a SelectionSet,
        position: &str,
        found: &mut Vec<&'a str>,
        visited: &mut HashSet<&'a str>,
    ) {
        for item in &set.items {
            if !self.spend() {
                return;
            }
            let (on, inner) = match &item.node {
                Selection::Field(_) => continue,
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let on = fragment.type_condition.as_ref();
                    (
                        on.map(|c| c.node.on.node.as_str()),
                        &fragment.selection_set.node,
                    )
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue;
                    };
                    if !visited.insert(name) {
                        continue;
                    }
                    let on = fragment.node.type_condition.node.on.node.as_str();
                    (Some(on), &fragment.node.selection_set.node)
                }
            };
            if let Some(on) = on.filter(|on| *on != position && !found.contains(on)) {
                found.push(on);
            }
            self.conditions(inner, position, found, visited);
        }
    }

    /// `position`: the type of the value the set answers for, which decides whether a
    /// fragment applies; `scope`: the type the set's fields are looked up on.
    fn collect(
        &self,
        set: &'a SelectionSet,
        position: &str,
        scope: &str,
        grouped: &mut Vec<Grouped<'a>>,
        visited: &mut HashSet<&'a str>,
    ) {
        for item in &set.items {
            if !self.spend() {
                return;
            }
            if !self.included(item.node.directives()) {
                continue;
            }
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let key = &field.response_key().node;
                    let sub = &field.selection_set.node;
                    match grouped.iter_mut().find(|g| g.key == key) {
                        Some(group) => group.sets.push(sub),
                        None => grouped.push(Grouped {
                            key,
                            ty: self.types.field(scope, field.name.node.as_str()),
                            sets: vec![sub],
                        }),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let on = fragment.type_condition.as_ref();
                    let on = on.map_or(scope, |c| c.node.on.node.as_str());
                    if self.applies(on, position) {
                        let set = &fragment.selection_set.node;
                        self.collect(set, position, on, grouped, visited);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = self.document.fragments.get(name) else {
                        continue;
                    };
                    let on = fragment.node.type_condition.node.on.node.as_str();
                    if visited.insert(name) && self.applies(on, position) {
                        let set = &fragment.node.selection_set.node;
                        self.collect(set, position, on, grouped, visited);
                    }
                }
            }
        }
    }

    /// Whether a fragment on `condition` applies at `position`. At an interface or union
    /// position, only one on that type itself: the object types its fragments name have
    /// keys of their own ([`Keys::by_type`]). Where the SDL does not say (introspection's
    /// types), every fragment applies.
    fn applies(&self, condition: &str, position: &str) -> bool {
        match self.types.applies(condition, position) {
            Some(applies) => applies,
            None if self.types.possible(position).is_some() => condition == position,
            None => true,
        }
    }

    /// `@skip(if:)` and `@include(if:)`, with the request's variables (or their defaults).
    fn included(&self, directives: &[async_graphql::Positioned<Directive>]) -> bool {
        directives.iter().all(|d| {
            let d = &d.node;
            match d.name.node.as_str() {
                "skip" => self.condition(d) != Some(true),
                "include" => self.condition(d) != Some(false),
                _ => true,
            }
        })
    }

    fn condition(&self, directive: &Directive) -> Option<bool> {
        let value = directive.get_argument("if")?.node.clone();
        let value = value.into_const_with(|name| {
            self.by_variables.set(true);
            self.variable(&name).ok_or(())
        });
        match value {
            Ok(Value::Boolean(b)) => Some(b),
            _ => None,
        }
    }

    /// A variable's value as given, or its default.
    fn variable(&self, name: &Name) -> Option<Value> {
        if let Some(given) = self.variables.get(name) {
            return Some(given.clone());
        }
        let defined = self.operation.variable_definitions.iter().map(|d| &d.node);
        let defined = defined.into_iter().find(|d| d.name.node == *name)?;
        defined.default_value.as_ref().map(|v| v.node.clone())
    }
}
