//! How a component got into a product: the shortest chain of SBOM dependency edges from one of the product's direct
//! dependencies down to it ("portal → flask → jinja2"). What a triager needs to know which direct dependency to
//! upgrade, or whom to ask.
//!
//! The search walks the edges upwards (who depends on this?) from every wanted component at once, one level per
//! round, so that the caller can fetch each level's edges in one query: [`PathSearch::wanted`] names the components
//! whose dependents are needed next, [`PathSearch::feed`] takes them. Upwards from one component, breadth first,
//! the first direct dependency of the product reached ends its shortest path. Bounded: a component deeper than
//! [`MAX_DEPTH`] edges has no path, and a search stops growing at [`MAX_VISITED`] components (all of them at
//! [`MAX_VISITED_IN_ALL`]), after which it may find none.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Edges from the product itself (its direct dependencies) have this as their `from` key.
pub const PRODUCT: &str = "";
/// Longest path looked for.
pub const MAX_DEPTH: usize = 32;
/// Components one search may visit.
pub const MAX_VISITED: usize = 10_000;
/// Components all searches together may visit: a page of findings over an SBOM whose edges never reach the
/// product stays cheap.
pub const MAX_VISITED_IN_ALL: usize = 200_000;

/// The searches for some components' paths.
pub struct PathSearch {
    searches: BTreeMap<String, Search>,
    /// Dependents of each component fetched so far (`PRODUCT` among them: a direct dependency).
    dependents: HashMap<String, Vec<String>>,
    depth: usize,
    visited: usize,
}

struct Search {
    /// Component → the one below it on the way to the wanted component.
    came_from: HashMap<String, String>,
    frontier: Vec<String>,
    /// From a direct dependency down to the wanted component, once found.
    path: Option<Vec<String>>,
}

impl PathSearch {
    /// A search for each of `components` (component keys).
    pub fn new<'a>(components: impl IntoIterator<Item = &'a str>) -> PathSearch {
        let searches = components
            .into_iter()
            .map(|c| {
                let search = Search {
                    came_from: HashMap::new(),
                    frontier: vec![c.to_owned()],
                    path: None,
                };
                (c.to_owned(), search)
            })
            .collect();
        PathSearch {
            searches,
            dependents: HashMap::new(),
            depth: 0,
            visited: 0,
        }
    }

    /// The components whose dependents the next round needs — possibly none, when the searches go on through
    /// components fetched already —, or `None` when every search is over (found, exhausted, or at the limits).
    pub fn wanted(&self) -> Option<Vec<String>> {
        if self.depth >= MAX_DEPTH || self.visited >= MAX_VISITED_IN_ALL {
            return None;
        }
        let active: Vec<&Search> = self
            .searches
            .values()
            .filter(|s| s.path.is_none() && !s.frontier.is_empty())
            .collect();
        if active.is_empty() {
            return None;
        }
        let wanted: BTreeSet<&String> = active
            .iter()
            .flat_map(|s| s.frontier.iter())
            .filter(|c| !self.dependents.contains_key(*c))
            .collect();
        Some(wanted.into_iter().cloned().collect())
    }

    /// One round: `edges` are the `(from, to)` edges into the components [`PathSearch::wanted`] named (a wanted
    /// component without any has no dependents).
    pub fn feed(&mut self, wanted: &[String], edges: impl IntoIterator<Item = (String, String)>) {
        for c in wanted {
            self.dependents.entry(c.clone()).or_default();
        }
        let mut fed: BTreeSet<String> = BTreeSet::new();
        for (from, to) in edges {
            self.dependents.entry(to.clone()).or_default().push(from);
            fed.insert(to);
        }
        // In key order: the same path whatever order the edges came in.
        for to in fed {
            if let Some(list) = self.dependents.get_mut(&to) {
                list.sort_unstable();
                list.dedup();
            }
        }
        self.depth += 1;
        for (target, search) in &mut self.searches {
            if search.path.is_some() {
                continue;
            }
            let mut next = Vec::new();
            'frontier: for node in &search.frontier {
                for parent in self.dependents.get(node).into_iter().flatten() {
                    if parent == PRODUCT {
                        search.path = Some(path_down(&search.came_from, node, target));
                        break 'frontier;
                    }
                    if parent != target
                        && !search.came_from.contains_key(parent)
                        && search.came_from.len() < MAX_VISITED
                        && self.visited < MAX_VISITED_IN_ALL
                    {
                        search.came_from.insert(parent.clone(), node.clone());
                        next.push(parent.clone());
                        self.visited += 1;
                    }
                }
            }
            search.frontier = if search.path.is_some() {
                Vec::new()
            } else {
                next
            };
        }
    }

    /// Each component's path, from a direct dependency of the product down to it (just itself when it is one);
    /// none for a component the edges do not connect to the product.
    pub fn paths(self) -> BTreeMap<String, Vec<String>> {
        self.searches
            .into_iter()
            .filter_map(|(target, s)| s.path.map(|p| (target, p)))
            .collect()
    }
}

/// From `top` down to `target` through `came_from`.
fn path_down(came_from: &HashMap<String, String>, top: &str, target: &str) -> Vec<String> {
    let mut path = vec![top.to_owned()];
    let mut at = top;
    while at != target {
        match came_from.get(at) {
            Some(below) => {
                path.push(below.clone());
                at = below;
            }
            None => break,
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a search over `edges` as a store would: each round's edges into the wanted components.
    fn search(edges: &[(&str, &str)], targets: &[&str]) -> (BTreeMap<String, Vec<String>>, usize) {
        let mut s = PathSearch::new(targets.iter().copied());
        let mut rounds = 0;
        while let Some(wanted) = s.wanted() {
            rounds += 1;
            let into: Vec<(String, String)> = edges
                .iter()
                .filter(|(_, to)| wanted.iter().any(|w| w == to))
                .map(|(f, t)| ((*f).to_owned(), (*t).to_owned()))
                .collect();
            s.feed(&wanted, into);
        }
        (s.paths(), rounds)
    }

    fn path(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_shortest_chain_from_a_direct_dependency() {
        let edges = [
            ("", "flask"),
            ("", "jupyter"),
            ("flask", "jinja2"),
            ("jupyter", "nbconvert"),
            ("nbconvert", "jinja2"),
            ("jinja2", "markupsafe"),
            ("nbconvert", "bleach"),
            ("orphan", "left-pad"),
        ];
        let (paths, _) = search(
            &edges,
            &["markupsafe", "flask", "bleach", "left-pad", "unknown"],
        );
        assert_eq!(
            paths["markupsafe"],
            path(&["flask", "jinja2", "markupsafe"])
        );
        assert_eq!(paths["flask"], path(&["flask"]));
        assert_eq!(paths["bleach"], path(&["jupyter", "nbconvert", "bleach"]));
        // Edges that never reach the product, or no edges: no path.
        assert!(!paths.contains_key("left-pad") && !paths.contains_key("unknown"));
    }

    #[test]
    fn cycles_end_and_each_round_asks_once_per_component() {
        let edges = [
            ("", "a"),
            ("a", "b"),
            ("b", "c"),
            ("c", "b"),
            ("x", "y"),
            ("y", "x"),
        ];
        let (paths, rounds) = search(&edges, &["c", "y"]);
        assert_eq!(paths["c"], path(&["a", "b", "c"]));
        assert!(!paths.contains_key("y"));
        // c, then b (and y, x), then a: the product found; y's cycle has nothing new to ask.
        assert_eq!(rounds, 3);
        let s = PathSearch::new(["c", "c"]);
        assert_eq!(s.wanted(), Some(vec!["c".to_owned()]));
    }

    #[test]
    fn a_chain_deeper_than_the_limit_has_no_path() {
        let names: Vec<String> = (0..=MAX_DEPTH + 1).map(|i| format!("n{i}")).collect();
        let mut edges: Vec<(&str, &str)> = vec![("", names[0].as_str())];
        edges.extend(names.windows(2).map(|w| (w[0].as_str(), w[1].as_str())));
        let last = names[MAX_DEPTH + 1].as_str();
        let (paths, rounds) = search(&edges, &[last, names[3].as_str()]);
        assert!(!paths.contains_key(last));
        assert_eq!(paths[&names[3]].len(), 4);
        assert_eq!(rounds, MAX_DEPTH);
    }
}
