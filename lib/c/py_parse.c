/* py_parse.c: vecdot.parse(): comma-separated numbers to array('d').
 *
 * parse.c reads each field in C; a field it rejects gets a second opinion
 * from float() itself, so the result is always float()'s. The values go to
 * a vd_doubles (doubles.c) that grows as fields parse, at most to the field
 * count, so text that fails early (",,,,") costs no more than it read.
 */
#include "py_module.h"
#include "doubles.h"
#include "parse.h"

const char vecdot_parse_doc[] =
"parse($module, text, /)\n"
"--\n"
"\n"
"Return array('d') of the comma-separated numbers in text (str or bytes).\n"
"\n"
"Each field gives the same float as float(field); \"\" gives an empty array.";

/* A field the C parser rejected: float() has the last word, so spellings
 * it accepts that parse.c does not (Unicode digits, say) still work. */
static int
parse_with_float(const char *field, Py_ssize_t len, int is_str, Py_ssize_t index,
                 double *out)
{
    /* surrogatepass: the inverse of the encoding vecdot_parse falls back to. */
    PyObject *text = is_str ? PyUnicode_DecodeUTF8(field, len, "surrogatepass")
                            : PyBytes_FromStringAndSize(field, len);
    if (text == NULL) {
        return -1;
    }
    PyObject *number = PyFloat_FromString(text);
    if (number != NULL) {
        *out = PyFloat_AsDouble(number);
        Py_DECREF(number);
        Py_DECREF(text);
        return 0;
    }
    if (PyErr_ExceptionMatches(PyExc_ValueError)) {
        PyErr_Clear();
        /* Show at most 40 characters of the field: it came from outside. */
        Py_ssize_t length = is_str ? PyUnicode_GetLength(text) : len;
        PyObject *head = is_str ? PyUnicode_Substring(text, 0, 40)
                                : PyBytes_FromStringAndSize(field, len > 40 ? 40 : len);
        if (head != NULL) {
            PyErr_Format(PyExc_ValueError, "parse() item %zd is not a number: %R%s",
                         index, head, length > 40 ? " (truncated)" : "");
            Py_DECREF(head);
        }
    }
    Py_DECREF(text);
    return -1;
}

PyObject *
vecdot_parse(PyObject *module, PyObject *text)
{
    const char *s;
    Py_ssize_t len;
    Py_buffer view = {0};
    PyObject *gathered = NULL;    /* bytes of text, when it cannot be read in place */
    int is_str = PyUnicode_Check(text);
    if (is_str) {
        s = PyUnicode_AsUTF8AndSize(text, &len);
        if (s == NULL) {
            /* A lone surrogate ("\ud800") has no UTF-8 form. Encoded with
             * surrogatepass it becomes three non-ASCII bytes, part of no
             * number and no comma, so its field reaches float(), which
             * rejects it with the usual "item i is not a number". */
            if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
                return NULL;
            }
            PyErr_Clear();
            gathered = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
            if (gathered == NULL) {
                return NULL;
            }
            s = PyBytes_AsString(gathered);
            len = PyBytes_Size(gathered);
        }
    }
    else {
        if (!PyObject_CheckBuffer(text)) {
            PyObject *type_name = PyType_GetName(Py_TYPE(text));
            if (type_name != NULL) {
                PyErr_Format(PyExc_TypeError,
                             "parse() argument must be str or bytes, not %U", type_name);
                Py_DECREF(type_name);
            }
            return NULL;
        }
        /* A non-contiguous buffer (memoryview(b"...")[::2]) cannot be
         * viewed as one run of bytes: gather it into a bytes object. */
        if (PyObject_GetBuffer(text, &view, PyBUF_SIMPLE) < 0) {
            if (!PyErr_ExceptionMatches(PyExc_BufferError)) {
                return NULL;
            }
            PyErr_Clear();
            gathered = PyBytes_FromObject(text);
            if (gathered == NULL || PyObject_GetBuffer(gathered, &view, PyBUF_SIMPLE) < 0) {
                Py_XDECREF(gathered);
                return NULL;
            }
        }
        s = view.buf;
        len = view.len;
    }

    PyObject *result = NULL, *view_of_values = NULL;
    vd_doubles values;
    vd_doubles_init(&values, PyMem_Realloc, PyMem_Free);
    size_t count = vd_count_fields(s, (size_t)len);
    size_t pos = 0;
    for (size_t i = 0; i < count; i++) {
        /* Double the room, but never past the field count. */
        if (i == values.capacity) {
            size_t grown = count - i < i ? count : 2 * i;
            if (vd_doubles_reserve(&values, grown) < 0) {
                PyErr_NoMemory();
                goto done;
            }
        }
        size_t start = pos;
        int rc = vd_parse_next(s, (size_t)len, &pos, &values.data[i]);
        if (rc == VD_PARSE_NOMEM) {
            PyErr_NoMemory();
            goto done;
        }
        if (rc != VD_PARSE_OK) {
            /* The field ends at the comma that moved pos, or at the end. */
            size_t end = pos > start && s[pos - 1] == ',' ? pos - 1 : pos;
            if (parse_with_float(s + start, (Py_ssize_t)(end - start), is_str,
                                 (Py_ssize_t)i, &values.data[i]) < 0) {
                goto done;
            }
        }
    }
    /* array('d').frombytes() copies the values once into the new array.
     * count doubles fit the capacity, so count * 8 <= PTRDIFF_MAX. */
    view_of_values = PyMemoryView_FromMemory((char *)values.data,
                                             (Py_ssize_t)(count * sizeof(double)), PyBUF_READ);
    if (view_of_values == NULL) {
        goto done;
    }
    module_state *state = get_state(module);
    result = PyObject_CallFunction(state->array_type, "s", "d");
    if (result != NULL) {
        PyObject *none = PyObject_CallFunctionObjArgs(state->array_frombytes, result,
                                                      view_of_values, NULL);
        if (none == NULL) {
            Py_CLEAR(result);
        }
        Py_XDECREF(none);
    }

done:
    Py_XDECREF(view_of_values);
    vd_doubles_free(&values);
    if (!is_str) {
        PyBuffer_Release(&view);
    }
    Py_XDECREF(gathered);
    return result;
}

