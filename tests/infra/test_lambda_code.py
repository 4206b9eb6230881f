from pathlib import Path

from stacks.lambda_code import trim_unused_files


def test_bundling_drops_the_parts_of_pyarrow_no_function_loads(tmp_path: Path) -> None:
    # Given an install target holding pyarrow with its optional parts, boto3, and numpy with the
    # OpenBLAS it links against
    kept = [
        "pyarrow/__init__.py",
        "pyarrow/parquet/core.py",
        "pyarrow/libparquet.so.2600",
        "pyarrow/_parquet.cpython-314-x86_64-linux-gnu.so",
        "boto3/__init__.py",
        "numpy/__init__.py",
        "numpy/_core/_multiarray_umath.cpython-314-x86_64-linux-gnu.so",
        "numpy.libs/libscipy_openblas64_-32a4b2a6.so",
        # The core library links against it.
        "pyarrow/libarrow_substrait.so.2600",
    ]
    dropped = [
        "pyarrow/include/arrow/api.h",
        "pyarrow/tests/test_io.py",
        "pyarrow/libarrow_flight.so.2600",
        "pyarrow/_flight.cpython-314-x86_64-linux-gnu.so",
        "pyarrow/flight.py",
    ]
    for name in kept + dropped:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    # When it is trimmed
    trim_unused_files(tmp_path)
    # Then what writes Parquet, and numpy, stay and the rest is gone
    assert all((tmp_path / name).exists() for name in kept)
    assert not any((tmp_path / name).exists() for name in dropped)
    assert not (tmp_path / "pyarrow" / "include").exists()
