//! What runs read and produced, over a real store: dataset and model inputs, model outputs, and
//! the dataset summaries MLflow's UI lists.

use super::tests::{kv, run_in, store};
use super::*;

#[test]
fn inputs_and_outputs_name_only_live_logged_models() {
    use crate::api::models::{CreateLoggedModel, ModelInput, ModelOutput};
    let (_d, s) = store();
    let id = run_in(&s, "e");
    let exp = s.get_run(&id).unwrap().experiment_id;
    let model = s
        .create_logged_model(&CreateLoggedModel {
            experiment_id: Some(exp),
            source_run_id: Some(id.clone()),
            ..Default::default()
        })
        .unwrap();
    let input = |m: &str| ModelInput { model_id: m.into() };
    let output = |m: &str| ModelOutput {
        model_id: m.into(),
        step: 3,
    };
    for unknown in ["m-nosuchmodel", ""] {
        assert!(matches!(
            s.log_inputs(&id, &[], &[input(unknown)]),
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            s.log_outputs(&id, &[output(unknown)]),
            Err(StoreError::NotFound(_))
        ));
    }
    s.log_inputs(&id, &[], &[input(&model.info.model_id)]).unwrap();
    s.log_outputs(&id, &[output(&model.info.model_id)]).unwrap();
    let run = s.get_run(&id).unwrap();
    assert_eq!(run.inputs.model_inputs, vec![input(&model.info.model_id)]);
    assert_eq!(run.outputs.model_outputs, vec![output(&model.info.model_id)]);
    s.delete_logged_model(&model.info.model_id).unwrap();
    assert!(matches!(
        s.log_inputs(&id, &[], &[input(&model.info.model_id)]),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.log_outputs(&id, &[output(&model.info.model_id)]),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn dataset_summaries_list_each_dataset_once_per_context() {
    use crate::api::models::{Dataset, DatasetInput};
    let (_d, s) = store();
    let (a, b) = (run_in(&s, "e"), run_in(&s, "e"));
    let exp = s.get_run(&a).unwrap().experiment_id;
    let input = |name: &str, context: Option<&str>| DatasetInput {
        tags: context.map(|c| vec![kv("mlflow.data.context", c)]).unwrap_or_default(),
        dataset: Dataset {
            name: name.into(),
            digest: format!("{name}-digest"),
            source_type: "local".into(),
            source: "x".into(),
            ..Default::default()
        },
    };
    s.log_inputs(&a, &[input("iris", Some("training")), input("iris-eval", None)], &[])
        .unwrap();
    s.log_inputs(&b, &[input("iris", Some("training"))], &[]).unwrap();
    let got: Vec<(String, Option<String>)> = s
        .search_datasets(std::slice::from_ref(&exp))
        .unwrap()
        .into_iter()
        .map(|d| (d.name, d.context))
        .collect();
    assert_eq!(
        got,
        vec![("iris".into(), Some("training".into())), ("iris-eval".into(), None)]
    );
    assert!(s.search_datasets(&[]).is_err());
    let many: Vec<String> = (0..21).map(|i| i.to_string()).collect();
    assert!(
        s.search_datasets(&many)
            .unwrap_err()
            .to_string()
            .contains("cannot specify more than 20")
    );
}
