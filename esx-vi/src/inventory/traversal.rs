//! Property filters that walk the inventory from one object along its reference properties
//! (`HostSystem.vm`, `Folder.childEntity`, `Datacenter.hostFolder`...), so that one
//! `RetrievePropertiesEx` reaches exactly the objects those properties name: a host's VMs without
//! touching the rest of a vCenter, or a folder's children without a ContainerView.

use esx_vi_types::{AnySelectionSpec, ManagedObjectReference, ObjectSpec, PropertyFilterSpec};
use esx_vi_types::{PropertySpec, TraversalSpec};

/// One step of a walk: from objects of `type_name`, follow the references in `path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    type_name: String,
    path: String,
    /// Whether the objects reached are collected too, or only passed through.
    collect: bool,
    then: Vec<Step>,
}

impl Step {
    /// Follows `type_name.path` and collects the objects reached (when a property spec of
    /// their type asks for them).
    pub fn to(type_name: &str, path: &str) -> Step {
        Step {
            type_name: type_name.to_owned(),
            path: path.to_owned(),
            collect: true,
            then: Vec::new(),
        }
    }

    /// Follows `type_name.path` only to walk on from the objects reached.
    pub fn through(type_name: &str, path: &str) -> Step {
        Step {
            collect: false,
            ..Step::to(type_name, path)
        }
    }

    /// Walks on from the objects this step reaches.
    pub fn then(mut self, next: Step) -> Step {
        self.then.push(next);
        self
    }

    fn into_selection(self) -> AnySelectionSpec {
        AnySelectionSpec::from(TraversalSpec {
            name: None,
            r#type: self.type_name,
            path: self.path,
            skip: Some(!self.collect),
            select_set: self.then.into_iter().map(Step::into_selection).collect(),
        })
    }
}

/// `properties` of every object of `type_name` a walk reaches (all properties when empty).
pub fn collect(type_name: &str, properties: &[&str]) -> PropertySpec {
    PropertySpec {
        r#type: type_name.to_owned(),
        all: Some(properties.is_empty()),
        path_set: properties.iter().map(|p| (*p).to_owned()).collect(),
    }
}

/// A filter that starts at `start` (collected too unless `skip_start`), walks `steps`, and
/// collects what `wanted` asks for of the objects it reaches.
pub fn walk_filter(
    start: &ManagedObjectReference,
    skip_start: bool,
    steps: Vec<Step>,
    wanted: Vec<PropertySpec>,
) -> PropertyFilterSpec {
    PropertyFilterSpec {
        prop_set: wanted,
        object_set: vec![ObjectSpec {
            obj: start.clone(),
            skip: Some(skip_start),
            select_set: steps.into_iter().map(Step::into_selection).collect(),
        }],
        report_missing_objects_in_results: None,
    }
}

/// `properties` of the objects of `type_name` that `from`'s reference property `via` names
/// (`HostSystem` `host-12`, `vm` -> its VMs): one traversal, `from` itself not collected.
pub fn linked_filter(
    from: &ManagedObjectReference,
    via: &str,
    type_name: &str,
    properties: &[&str],
) -> PropertyFilterSpec {
    walk_filter(
        from,
        true,
        vec![Step::to(&from.r#type, via)],
        vec![collect(type_name, properties)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linked_filter_skips_its_start_and_collects_what_it_reaches() {
        let host = ManagedObjectReference::new("HostSystem", "host-12");
        let filter = linked_filter(&host, "vm", "VirtualMachine", &["name"]);
        assert_eq!(filter.object_set.len(), 1);
        let start = &filter.object_set[0];
        assert_eq!(start.obj, host);
        assert_eq!(start.skip, Some(true));
        let [AnySelectionSpec::TraversalSpec(step)] = start.select_set.as_slice() else {
            panic!("one traversal: {:?}", start.select_set)
        };
        assert_eq!(
            (step.r#type.as_str(), step.path.as_str()),
            ("HostSystem", "vm")
        );
        assert_eq!(step.skip, Some(false));
        assert_eq!(filter.prop_set[0].r#type, "VirtualMachine");
        assert_eq!(filter.prop_set[0].path_set, ["name"]);
        assert_eq!(filter.prop_set[0].all, Some(false));
    }

    #[test]
    fn nested_steps_pass_through_or_collect() {
        let root = ManagedObjectReference::new("Folder", "group-d1");
        let filter = walk_filter(
            &root,
            false,
            vec![Step::to("Folder", "childEntity").then(Step::through("Datacenter", "hostFolder"))],
            vec![collect("Folder", &[])],
        );
        assert_eq!(filter.object_set[0].skip, Some(false));
        let AnySelectionSpec::TraversalSpec(outer) = &filter.object_set[0].select_set[0] else {
            panic!()
        };
        let AnySelectionSpec::TraversalSpec(inner) = &outer.select_set[0] else {
            panic!()
        };
        assert_eq!(inner.path, "hostFolder");
        assert_eq!(inner.skip, Some(true));
        assert_eq!(filter.prop_set[0].all, Some(true));
    }
}
