//! Where `Box` goes: a struct that contains itself by value (directly or through other structs)
//! would have infinite size, so fields inside such a cycle are boxed.
//!
//! Lists (`Vec`), resources (the `Resource` enum boxes its variants) and the complex variants of
//! choice enums (always boxed) already sit behind a pointer and break cycles by themselves.

use std::collections::BTreeMap;

use super::ir::{Card, FieldType, Model};

pub fn box_cycles(model: &mut Model) {
    let index: BTreeMap<String, usize> = model
        .structs
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.clone(), i))
        .collect();
    let edges: Vec<Vec<usize>> = model
        .structs
        .iter()
        .map(|s| {
            s.fields
                .iter()
                .filter(|f| !matches!(f.card, Card::List { .. }))
                .filter_map(|f| match &f.ty {
                    FieldType::Complex { name, .. } => index.get(name).copied(),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let component = strongly_connected(&edges);
    for (i, s) in model.structs.iter_mut().enumerate() {
        for f in &mut s.fields {
            if matches!(f.card, Card::List { .. }) {
                continue;
            }
            if let FieldType::Complex { name, boxed } = &mut f.ty {
                if let Some(&j) = index.get(name.as_str()) {
                    *boxed = component[i] == component[j];
                }
            }
        }
    }
}

/// Tarjan's algorithm: the strongly connected component of each node (iterative, no recursion).
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![usize::MAX; n];
    let mut next_index = 0;
    let mut next_component = 0;
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        // (node, position in its edge list)
        let mut work = vec![(start, 0)];
        while let Some(&mut (v, ref mut pos)) = work.last_mut() {
            if *pos == 0 && index[v] == usize::MAX {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*pos) {
                *pos += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::strongly_connected;

    #[test]
    fn cycles_share_a_component() {
        // 0 → 1 → 2 → 0, 3 → 3, 4 alone
        let c = strongly_connected(&[vec![1], vec![2], vec![0], vec![3], vec![]]);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert!(c[3] != c[0] && c[4] != c[3] && c[4] != c[0]);
    }
}
