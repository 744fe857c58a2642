//! Arrow record batches across the border, without copying: the Arrow C data interface through
//! the PyCapsule protocol (`__arrow_c_array__`).
//!
//! Why this and not the `arrow` crate's `pyarrow` feature: that feature pins its own pyo3, and
//! the umbrella `arrow` crate brings compute kernels this crate never calls; the C data
//! interface is a few structs in `arrow-array`/`arrow-data` (`ffi` feature), works with any
//! pyarrow from 14 on (and with any other producer of the protocol), and moves the buffers
//! instead of copying them.
//!
//! - In: [`import_batch`] calls the object's `__arrow_c_array__()`, takes the two capsules
//!   (`arrow_schema`, `arrow_array`) and moves the array out of its capsule (the producer's
//!   capsule is left released, as the protocol requires); the buffers stay the producer's
//!   until the imported batch is dropped.
//! - Out: [`ArrowBatch`] is a Python object with `__arrow_c_array__`; `pyarrow.record_batch`
//!   takes it. Its capsules release the batch if nobody imported it.

use std::ffi::CString;
use std::sync::Arc;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi, to_ffi};
use arrow_array::{Array, RecordBatch, StructArray};
use arrow_schema::DataType;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

/// A record batch from any object of the Arrow PyCapsule protocol (a `pyarrow.RecordBatch`).
pub fn import_batch(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatch> {
    let capsules = obj.call_method0("__arrow_c_array__").map_err(|_| {
        let kind = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        PyTypeError::new_err(format!(
            "expected an Arrow record batch (an object with __arrow_c_array__), not {kind}"
        ))
    })?;
    let (schema, array): (Bound<'_, PyCapsule>, Bound<'_, PyCapsule>) = capsules.extract()?;
    check_name(&schema, c"arrow_schema")?;
    check_name(&array, c"arrow_array")?;
    // SAFETY: the names say what the capsules hold (the protocol's contract); the schema is
    // read in place, the array is moved out and its slot left released, so the capsule's
    // destructor does not release it a second time.
    let data = unsafe {
        let schema = &*(schema.pointer() as *const FFI_ArrowSchema);
        let array = FFI_ArrowArray::from_raw(array.pointer() as *mut FFI_ArrowArray);
        from_ffi(array, schema)
    }
    .map_err(|e| PyValueError::new_err(format!("cannot import the Arrow batch: {e}")))?;
    if !matches!(data.data_type(), DataType::Struct(_)) {
        return Err(PyTypeError::new_err(format!(
            "expected a record batch (a struct array), got an array of {}",
            data.data_type()
        )));
    }
    let array = StructArray::from(data);
    if array.null_count() > 0 {
        return Err(PyValueError::new_err("a record batch cannot have null rows"));
    }
    Ok(RecordBatch::from(array))
}

fn check_name(capsule: &Bound<'_, PyCapsule>, want: &std::ffi::CStr) -> PyResult<()> {
    match capsule.name()? {
        Some(name) if name == want => Ok(()),
        other => {
            Err(PyTypeError::new_err(format!("expected a capsule named {want:?}, got {other:?}")))
        }
    }
}

/// A record batch made in Rust, for Python: `pyarrow.record_batch(ArrowBatch)` imports it.
#[pyclass(name = "ArrowBatch", module = "clean_news._native")]
pub struct ArrowBatch {
    batch: Option<RecordBatch>,
}

impl ArrowBatch {
    pub fn new(batch: RecordBatch) -> ArrowBatch {
        ArrowBatch { batch: Some(batch) }
    }
}

#[pymethods]
impl ArrowBatch {
    /// The batch as the `(arrow_schema, arrow_array)` capsules of the Arrow PyCapsule
    /// protocol. A batch is handed over once (its buffers move to the consumer).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &mut self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
        // A consumer may ask for another schema; the protocol lets a producer ignore it.
        let _ = requested_schema;
        let batch = self
            .batch
            .take()
            .ok_or_else(|| PyValueError::new_err("this Arrow batch was handed over already"))?;
        let data = StructArray::from(batch).into_data();
        let (array, schema) = to_ffi(&data)
            .map_err(|e| PyValueError::new_err(format!("cannot export the Arrow batch: {e}")))?;
        let schema = PyCapsule::new(py, schema, Some(CString::from(c"arrow_schema")))?;
        let array = PyCapsule::new(py, array, Some(CString::from(c"arrow_array")))?;
        Ok((schema, array))
    }

    /// How many rows the batch has (0 once handed over).
    fn __len__(&self) -> usize {
        self.batch.as_ref().map_or(0, RecordBatch::num_rows)
    }
}

/// A column of `batch` by name, as the array type `T`.
pub fn column<'b, T: Array + 'static>(batch: &'b RecordBatch, name: &str) -> PyResult<&'b T> {
    let array = batch
        .column_by_name(name)
        .ok_or_else(|| PyValueError::new_err(format!("the batch has no column '{name}'")))?;
    array.as_any().downcast_ref::<T>().ok_or_else(|| {
        PyTypeError::new_err(format!(
            "column '{name}' is {}, not the type expected",
            array.data_type()
        ))
    })
}

/// A batch of the given named columns (all nullable).
pub fn batch_of(columns: Vec<(&str, arrow_array::ArrayRef)>) -> PyResult<RecordBatch> {
    let fields: Vec<arrow_schema::Field> = columns
        .iter()
        .map(|(name, array)| arrow_schema::Field::new(*name, array.data_type().clone(), true))
        .collect();
    let schema = Arc::new(arrow_schema::Schema::new(fields));
    RecordBatch::try_new(schema, columns.into_iter().map(|(_, a)| a).collect())
        .map_err(|e| PyValueError::new_err(format!("cannot build the Arrow batch: {e}")))
}
